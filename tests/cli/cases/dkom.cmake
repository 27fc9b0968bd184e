# DKOM samples: the hidden processes are HIDDEN, nothing else is flagged.
foreach(sample dkom_7601 dkom_9600 dkom_19041 dkom_22631 dkom_26100)
  dumpprocs_cli_test(NAME ${sample}.all ARGS "${sample}.dmp --view all" GOLDEN ${sample}_all.txt)
  dumpprocs_cli_test(NAME ${sample}.json ARGS "${sample}.dmp --view all --format json"
                     GOLDEN ${sample}_all.json)
  dumpprocs_cli_test(NAME ${sample}.fail_on_hidden ARGS "${sample}.dmp --fail-on-hidden -q"
                     EXIT 4)
endforeach()
dumpprocs_cli_test(NAME dkom_19041.diff ARGS "dkom_19041.dmp --diff active,mm"
                   GOLDEN dkom_19041_diff_active_mm.txt)
dumpprocs_cli_test(NAME broken_flink.partial ARGS "broken_flink_19041.dmp --view active,mm"
                   EXIT 3 GOLDEN broken_flink_active_mm.txt
                   STDERR_CONTAINS "view active is incomplete")
dumpprocs_cli_test(NAME mm428.profile ARGS "win7sp1_7601c_mm428.dmp --show-profile"
                   STDOUT_CONTAINS "row 7601c validated")
dumpprocs_cli_test(NAME dkom_19041.profile_guid ARGS "dkom_19041.dmp --show-profile"
                   STDOUT_CONTAINS "kernel PDB BBED7C2955FBE4522AAA23F4B8677AD9-1 is a known build of row 19041")
# The same 22631 machine as a live kernel bitmap dump (DumpType 6) gives the same cross-view.
dumpprocs_cli_test(NAME live6.all ARGS "live_22631_kernel_bitmap.dmp --view all" GOLDEN dkom_22631_all.txt)
dumpprocs_cli_test(NAME live6.info ARGS "live_22631_kernel_bitmap.dmp --info"
                   STDOUT_CONTAINS "(DumpType 6)")
