# Profile choice by evidence (issue 3): each sample selects its row, and says how.
dumpprocs_cli_test(NAME profile.7601a ARGS "win7sp1_7601_article.dmp --show-profile"
                   STDOUT_CONTAINS "of 3 rows for this build, row 7601a validated")
dumpprocs_cli_test(NAME profile.7601c ARGS "win7sp1_7601c_mm428.dmp --show-profile --format json"
                   STDOUT_CONTAINS "\"_EPROCESS.MmProcessLinks\": \"0x428\"")
dumpprocs_cli_test(NAME profile.9600a ARGS "win81_9600_article.dmp --show-profile"
                   STDOUT_CONTAINS "of 2 rows for this build, row 9600a validated")
dumpprocs_cli_test(NAME profile.9600b ARGS "dkom_9600.dmp --show-profile"
                   STDOUT_CONTAINS "22597D0B40394E23936F6A24C6C52D5B-1 is a known build of row 9600b")
dumpprocs_cli_test(NAME profile.15063 ARGS "win10_15063_article.dmp --show-profile"
                   STDOUT_CONTAINS "Profile 15063 (built-in)")
dumpprocs_cli_test(NAME profile.22631 ARGS "dkom_22631.dmp --show-profile"
                   STDOUT_CONTAINS "row 22631 validated")
dumpprocs_cli_test(NAME profile.26100 ARGS "dkom_26100.dmp --show-profile"
                   STDOUT_CONTAINS "Profile 26100 (built-in)")
dumpprocs_cli_test(NAME profile.26100.fallback ARGS "dkom_26100.dmp --show-profile"
                   STDOUT_CONTAINS "fallback")
dumpprocs_cli_test(NAME profile.unknown_build ARGS "unknown_build_19999.dmp --show-profile"
                   STDOUT_CONTAINS "build 19999 is not in the built-in table; the layout of row 19041")
dumpprocs_cli_test(NAME profile.unknown_build.views ARGS "unknown_build_19999.dmp --view all"
                   GOLDEN unknown_build_19999_all.txt)
dumpprocs_cli_test(NAME profile.no_match ARGS "no_layout_match_19999.dmp --view mm" EXIT 1
                   STDERR_CONTAINS "no built-in profile fits this kernel (build 19999): 23 rows tried")
dumpprocs_cli_test(NAME profile.forced ARGS "win7sp1_7601_article.dmp --profile 7601a --show-profile"
                   STDOUT_CONTAINS "forced")
dumpprocs_cli_test(NAME profile.isf.unreadable ARGS "win7sp1_7601_article.dmp --symbols nosuch.json.xz --view mm"
                   EXIT 1 STDERR_CONTAINS "nosuch.json.xz")

# --symbols with the ISF file the 19041 row was made from gives the same offsets (issue 3).
add_test(NAME cli.profile.isf_matches_builtin
         COMMAND ${CMAKE_COMMAND} -DBINARY=$<TARGET_FILE:dumpprocs>
                 -DDUMP=${DUMPPROCS_TESTDATA}/dkom_19041.dmp
                 -DISF=${PROJECT_SOURCE_DIR}/data/windows-symbols/isf_jpcert/BBED7C2955FBE4522AAA23F4B8677AD9-1.json.xz
                 -P ${CMAKE_CURRENT_LIST_DIR}/../compare_isf_profile.cmake)
dumpprocs_cli_test(NAME profile.isf.views ARGS "dkom_19041.dmp --symbols ../data/windows-symbols/isf_jpcert/BBED7C2955FBE4522AAA23F4B8677AD9-1.json.xz --view all"
                   GOLDEN dkom_19041_all.txt)

# The compiled-profile cache (docs/profiles.md): --symbols read through the cache prints what
# --no-cache prints, on the run that writes the entry, the runs that read it, and after the entry
# is damaged (refused and rebuilt); an unusable cache folder costs only the cache.
foreach(cache_case "isf_all;--view all" "isf_json;--view all --format json"
                   "isf_scan_csv;--view scan --format csv")
  list(GET cache_case 0 cache_name)
  list(GET cache_case 1 cache_args)
  add_test(NAME cli.profile.cache.${cache_name}
           COMMAND ${CMAKE_COMMAND} -DBINARY=$<TARGET_FILE:dumpprocs> -DPYTHON=${Python3_EXECUTABLE}
                   "-DARGS=dkom_19041.dmp --symbols ../data/windows-symbols/isf_jpcert/BBED7C2955FBE4522AAA23F4B8677AD9-1.json.xz ${cache_args}"
                   -DWORK=${CMAKE_CURRENT_BINARY_DIR}/profile_cache_${cache_name}
                   -DWORKDIR=${DUMPPROCS_TESTDATA}
                   -P ${CMAKE_CURRENT_LIST_DIR}/../run_profile_cache_test.cmake)
endforeach()
