# Dumps cut short (issue 13): a sample cut to its first BYTES bytes at test time
# (tests/cli/run_cut_test.cmake), the CLI case run on the cut copy.
#
# dumpprocs_cut_test(NAME <n> SAMPLE <dump stem> BYTES <n> ARGS "<args after the cut file>"
#                    [EXIT <code>] [GOLDEN <file under testdata/golden>] [STDERR_CONTAINS <text>])
function(dumpprocs_cut_test)
  cmake_parse_arguments(T "" "NAME;SAMPLE;BYTES;ARGS;EXIT;GOLDEN;STDERR_CONTAINS" "" ${ARGN})
  if(NOT DEFINED T_EXIT)
    set(T_EXIT 0)
  endif()
  set(golden "")
  if(T_GOLDEN)
    set(golden ${DUMPPROCS_TESTDATA}/golden/${T_GOLDEN})
  endif()
  set(cut_name ${T_SAMPLE}_cut_${T_BYTES}_${T_NAME}.dmp)
  add_test(NAME cli.cut.${T_NAME}
           COMMAND ${CMAKE_COMMAND} -DBINARY=$<TARGET_FILE:dumpprocs>
                   -DSOURCE=${DUMPPROCS_TESTDATA}/${T_SAMPLE}.dmp -DBYTES=${T_BYTES}
                   -DCUT=${CMAKE_CURRENT_BINARY_DIR}/cut/${cut_name} "-DARGS=${cut_name} ${T_ARGS}"
                   -DEXIT=${T_EXIT} -DGOLDEN=${golden} "-DSTDERR_CONTAINS=${T_STDERR_CONTAINS}"
                   -P ${CMAKE_CURRENT_LIST_DIR}/../run_cut_test.cmake)
endfunction()

# The issue's first measurement: `head -c 1000000` of dkom_19041.dmp (a bitmap dump of 2,805,760
# bytes). Only the pages past the processes are lost, so the sample's two hidden processes stay
# HIDDEN (their evidence says active and cid were read whole) and the scan is partial.
dumpprocs_cut_test(NAME dkom_19041_1mb.all SAMPLE dkom_19041 BYTES 1000000 ARGS "--view all"
                   EXIT 3 GOLDEN dkom_19041_cut_1mb_all.txt)
dumpprocs_cut_test(NAME dkom_19041_1mb.json SAMPLE dkom_19041 BYTES 1000000
                   ARGS "--view all --format json" EXIT 3 GOLDEN dkom_19041_cut_1mb_all.json)
