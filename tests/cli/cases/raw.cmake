# Raw physical images made from the sample dumps (tests/tools/dump2raw_main.cpp, sparse files in
# the build directory, removed after the run): found without any header, they must give exactly
# the processes, views and verdicts the dumps give.
#
# dumpprocs_raw_test(NAME <n> SAMPLE <dump stem> [SCENARIO <dumpgen scenario>] ARGS "<args>"
#                    [EXTRA_ARGS "<args>"] [DAMAGE]
#                    [EXIT <code>] [SKIP_COMPARE] [STDERR_CONTAINS <text>] [STDOUT_CONTAINS <text>])
function(dumpprocs_raw_test)
  cmake_parse_arguments(T "DAMAGE;SKIP_COMPARE"
                        "NAME;SAMPLE;SCENARIO;ARGS;EXTRA_ARGS;EXIT;STDERR_CONTAINS;STDOUT_CONTAINS"
                        "" ${ARGN})
  set(dump ${DUMPPROCS_TESTDATA}/${T_SAMPLE}.dmp)
  set(reference "")
  if(T_SCENARIO)
    set(reference ${dump})
    set(dump ${CMAKE_CURRENT_BINARY_DIR}/raw_test_${T_NAME}_source.dmp)
  endif()
  set(exit_arg "")
  if(DEFINED T_EXIT)
    set(exit_arg -DEXIT=${T_EXIT})
  endif()
  set(ext raw)
  if(T_DAMAGE)
    set(ext dmp)
  endif()
  add_test(NAME cli.raw.${T_NAME}
           COMMAND ${CMAKE_COMMAND} -DBINARY=$<TARGET_FILE:dumpprocs>
                   -DDUMP2RAW=$<TARGET_FILE:dump2raw> -DDUMPGEN=$<TARGET_FILE:dumpgen>
                   -DDUMP=${dump} -DREFERENCE=${reference} -DSCENARIO=${T_SCENARIO}
                   -DOUT=${CMAKE_CURRENT_BINARY_DIR}/raw_test_${T_NAME}.${ext} "-DARGS=${T_ARGS}"
                   "-DEXTRA_ARGS=${T_EXTRA_ARGS}" -DDAMAGE=${T_DAMAGE}
                   -DSKIP_COMPARE=${T_SKIP_COMPARE} ${exit_arg}
                   "-DSTDERR_CONTAINS=${T_STDERR_CONTAINS}" "-DSTDOUT_CONTAINS=${T_STDOUT_CONTAINS}"
                   -P ${CMAKE_CURRENT_LIST_DIR}/../run_raw_test.cmake)
endfunction()

# Every layout family: 7601, 9600, 15063, 19041, 22631, 26100 (the issue asks for at least five).
foreach(sample win7sp1_7601_article win7sp1_7601_article_bitmap win81_9600_article
               win10_15063_article win7sp1_7601c_mm428 dkom_7601 dkom_9600 dkom_19041 dkom_22631
               dkom_26100 broken_flink_19041 live_22631_kernel_bitmap rdmp9_7601c)
  dumpprocs_raw_test(NAME ${sample}_json SAMPLE ${sample} ARGS "--view all --format json")
endforeach()
dumpprocs_raw_test(NAME dkom_19041_text SAMPLE dkom_19041 ARGS "--view all")
dumpprocs_raw_test(NAME win7_mm SAMPLE win7sp1_7601_article ARGS "--view mm")
dumpprocs_raw_test(NAME win7_cpus SAMPLE win7sp1_7601_article ARGS "--cpus")
dumpprocs_raw_test(NAME dkom_26100_diff SAMPLE dkom_26100 ARGS "--diff active,mm")
dumpprocs_raw_test(NAME dkom_9600_explicit SAMPLE dkom_9600 ARGS "--view all --format json"
                   EXTRA_ARGS "--raw --dtb 0x100000")
# --info says how each value was found.
dumpprocs_raw_test(NAME dkom_19041_info SAMPLE dkom_19041 ARGS "--info" SKIP_COMPARE
                   STDOUT_CONTAINS "[scan: PML4 self-reference, confirmed by System (PID 4)")
dumpprocs_raw_test(NAME win7_info_kdbg SAMPLE win7sp1_7601_article ARGS "--info" SKIP_COMPARE
                   STDOUT_CONTAINS "[scan: 'KDBG' tag at physical 0x106010]")
dumpprocs_raw_test(NAME win10_info_build SAMPLE win10_15063_article ARGS "--info" SKIP_COMPARE
                   STDOUT_CONTAINS "Build                15063  [KUSER_SHARED_DATA.NtBuildNumber]")
# A wrong --dtb is refused with the reason.
dumpprocs_raw_test(NAME bad_dtb SAMPLE dkom_19041 ARGS "--view all" EXTRA_ARGS "--raw --dtb 0x200000"
                   EXIT 1 SKIP_COMPARE STDERR_CONTAINS "not found through the given --dtb 0x200000")
# A crash dump whose header DirectoryTableBase is zeroed: the memory is trusted, with a warning...
dumpprocs_raw_test(NAME damaged_header SAMPLE dkom_19041 ARGS "--view all --format json" DAMAGE
                   STDERR_CONTAINS "the header disagrees with the memory")
# ... unless --trust-header is given.
dumpprocs_raw_test(NAME damaged_header_trusted SAMPLE dkom_19041 ARGS "--view all"
                   EXTRA_ARGS "--trust-header" DAMAGE SKIP_COMPARE EXIT 1)

# A raw capture of Windows 8+ without a debugger: KDBG encoded. It is decoded with the operands of
# KdCopyDataBlock (found by its code in .text, no symbols), and the image gives exactly what the
# plain dkom_19041 dump gives, PspCidTable views included.
dumpprocs_raw_test(NAME encoded_kdbg_19041 SAMPLE dkom_19041 SCENARIO raw_encoded_19041
                   ARGS "--view all --format json")
dumpprocs_raw_test(NAME encoded_kdbg_info SAMPLE dkom_19041 SCENARIO raw_encoded_19041
                   ARGS "--info" SKIP_COMPARE
                   STDOUT_CONTAINS "[scan: encoded block decoded with the operands of KdCopyDataBlock at 0xfffff8047c002004")
# --info on the damaged dump shows the values in use and what the header said.
dumpprocs_raw_test(NAME damaged_header_info SAMPLE dkom_19041 ARGS "--info" DAMAGE SKIP_COMPARE
                   STDOUT_CONTAINS "the header says 0x0000000000000000]")
# Usage errors keep their exit code on raw images.
dumpprocs_raw_test(NAME bad_profile SAMPLE dkom_9600 ARGS "--view all --profile nope" EXIT 2
                   STDERR_CONTAINS "unknown profile 'nope'")
# A raw image: the list head comes from the KDBG found by the scan.
dumpprocs_raw_test(NAME modules_19041 SAMPLE dkom_19041 ARGS "--modules" SKIP_COMPARE
                   STDOUT_CONTAINS "Loaded modules: PsLoadedModuleList 0xfffff8047c202000, address from KDBG (2 entries, complete)")
dumpprocs_raw_test(NAME modules_info_19041 SAMPLE dkom_19041 ARGS "--info" SKIP_COMPARE
                   STDOUT_CONTAINS "PsLoadedModuleList   0xfffff8047c202000  [KDBG]")
# A raw image's --info in JSON lines: one line, the report inside "result" (it was printed raw
# beside a null result).
dumpprocs_raw_test(NAME dkom_19041_info_jsonl SAMPLE dkom_19041 ARGS "--info --format jsonl"
                   SKIP_COMPARE STDOUT_CONTAINS "\"exit_code\":0,\"hidden\":[],\"errors\":[],\"warnings\":[],\"result\":{\"raw_image\"")
# The same in a batch over a folder holding the raw image beside a crash dump.
add_test(NAME cli.raw.batch_folder_info_jsonl
         COMMAND ${CMAKE_COMMAND} -DBINARY=$<TARGET_FILE:dumpprocs>
                 -DDUMP2RAW=$<TARGET_FILE:dump2raw> -DDUMP=${DUMPPROCS_TESTDATA}/dkom_19041.dmp
                 -DDIR=${CMAKE_CURRENT_BINARY_DIR}/raw_batch_folder
                 -P ${CMAKE_CURRENT_LIST_DIR}/../check_raw_jsonl.cmake)
