# The pool scan (--view scan): the scan_<build> samples hold gone.exe (terminated, unlinked from
# both lists and PspCidTable, still in pool), ghost.exe (removed from every list and table) and
# 'Proc' decoys that must be rejected.
foreach(sample scan_7601 scan_19041)
  add_test(NAME dumpgen.regenerates.${sample}
           COMMAND ${CMAKE_COMMAND} -DDUMPGEN=$<TARGET_FILE:dumpgen> -DSCENARIO=${sample}
                   -DOUT=${CMAKE_CURRENT_BINARY_DIR}/regen_${sample}.dmp
                   -DEXPECTED=${PROJECT_SOURCE_DIR}/testdata/${sample}.dmp
                   -P ${CMAKE_CURRENT_LIST_DIR}/../regenerate_sample.cmake)
  dumpprocs_cli_test(NAME ${sample}.scan ARGS "${sample}.dmp --view scan" GOLDEN ${sample}_scan.txt)
  dumpprocs_cli_test(NAME ${sample}.all ARGS "${sample}.dmp --view all" GOLDEN ${sample}_all.txt)
  dumpprocs_cli_test(NAME ${sample}.json ARGS "${sample}.dmp --view all --format json"
                     GOLDEN ${sample}_all.json)
  dumpprocs_cli_test(NAME ${sample}.diff_active_scan ARGS "${sample}.dmp --diff active,scan"
                     GOLDEN ${sample}_diff_active_scan.txt)
  dumpprocs_cli_test(NAME ${sample}.rejects ARGS "${sample}.dmp --view scan -v"
                     STDERR_CONTAINS "is neither 0 nor a kernel address")
  dumpprocs_cli_test(NAME ${sample}.fail_on_hidden
                     ARGS "${sample}.dmp --diff active,scan --fail-on-hidden -q" EXIT 4)
endforeach()
# The rejected look-alikes are reported only with -v.
dumpprocs_cli_test(NAME scan_7601.no_rejects_without_v ARGS "scan_7601.dmp --view scan"
                   STDOUT_CONTAINS "ghost.exe" STDERR_LACKS "rejected")
# --no-scan: the cross-view of the lists and tables alone; gone.exe and ghost.exe, which only the
# scan sees, are then absent, and asking for the scan with --no-scan is a usage error.
dumpprocs_cli_test(NAME scan.no_scan ARGS "scan_19041.dmp --no-scan" GOLDEN scan_19041_no_scan.txt)
dumpprocs_cli_test(NAME scan.no_scan_usage ARGS "scan_19041.dmp --no-scan --view scan" EXIT 2
                   STDERR_CONTAINS "--no-scan contradicts asking for the scan view")
