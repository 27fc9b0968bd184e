# Raw-image regression: makes a raw physical image of DUMP with dump2raw (pages at their physical
# addresses, a sparse file) or, with DAMAGE=1, a copy of DUMP with the header's DirectoryTableBase
# zeroed; then runs dumpprocs with ARGS on the dump and on the new file and requires the same
# stdout and exit code. EXTRA_ARGS go only to the second run; STDERR_CONTAINS is checked on it.
# With SCENARIO, DUMP is first written by dumpgen (a scenario that is no sample in testdata/), and
# REFERENCE (default: DUMP) is the dump whose output the new file must reproduce.
include(${CMAKE_CURRENT_LIST_DIR}/output_checks.cmake)
if(SCENARIO)
  execute_process(COMMAND ${DUMPGEN} --scenario ${SCENARIO} --out ${DUMP} RESULT_VARIABLE rc
                  ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "dumpgen failed (${rc}): ${err}")
  endif()
endif()
if(NOT REFERENCE)
  set(REFERENCE ${DUMP})
endif()
if(DAMAGE)
  execute_process(COMMAND ${DUMP2RAW} --zero-header-dtb ${DUMP} ${OUT} RESULT_VARIABLE rc
                  ERROR_VARIABLE err)
else()
  execute_process(COMMAND ${DUMP2RAW} ${DUMP} ${OUT} RESULT_VARIABLE rc ERROR_VARIABLE err)
endif()
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "dump2raw failed (${rc}): ${err}")
endif()
separate_arguments(ARG_LIST UNIX_COMMAND "${ARGS}")
separate_arguments(EXTRA_LIST UNIX_COMMAND "${EXTRA_ARGS}")
execute_process(COMMAND ${BINARY} ${REFERENCE} ${ARG_LIST}
                OUTPUT_VARIABLE expected ERROR_VARIABLE expected_err RESULT_VARIABLE expected_rc)
execute_process(COMMAND ${BINARY} ${OUT} ${ARG_LIST} ${EXTRA_LIST}
                OUTPUT_VARIABLE actual ERROR_VARIABLE actual_err RESULT_VARIABLE actual_rc)
file(REMOVE ${OUT})
if(SCENARIO)
  file(REMOVE ${DUMP})
endif()
if(DEFINED EXIT)
  set(expected_rc ${EXIT})
endif()
if(NOT "${actual_rc}" STREQUAL "${expected_rc}")
  message(FATAL_ERROR "exit code ${actual_rc} on ${OUT}, ${expected_rc} expected\n"
                      "stdout:\n${actual}\nstderr:\n${actual_err}")
endif()
if(NOT SKIP_COMPARE AND NOT "${actual}" STREQUAL "${expected}")
  file(WRITE ${OUT}.expected "${expected}")
  file(WRITE ${OUT}.actual "${actual}")
  message(FATAL_ERROR "output on ${OUT} differs from the output on ${REFERENCE}:\n"
                      "diff -u ${OUT}.expected ${OUT}.actual\nstderr:\n${actual_err}")
endif()
dumpprocs_check_streams(actual actual_err)
