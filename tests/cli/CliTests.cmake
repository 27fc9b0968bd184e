# CLI regression tests: run the dumpprocs binary on the sample dumps in testdata/ and compare with
# the golden output in testdata/golden/. Cases are listed in tests/cli/cases/*.cmake.
set(DUMPPROCS_TESTDATA ${PROJECT_SOURCE_DIR}/testdata)
set(DUMPPROCS_CLI_RUNNER ${CMAKE_CURRENT_LIST_DIR}/run_cli_test.cmake)

# dumpprocs_cli_test(NAME <n> ARGS "<args>" [EXIT <code>] [GOLDEN <file under testdata/golden>]
#                    [STDERR_CONTAINS <text>] [STDOUT_CONTAINS <text>] [STDERR_LACKS <text>])
function(dumpprocs_cli_test)
  cmake_parse_arguments(T "" "NAME;ARGS;EXIT;GOLDEN;STDERR_CONTAINS;STDOUT_CONTAINS;STDERR_LACKS" "" ${ARGN})
  if(NOT DEFINED T_EXIT)
    set(T_EXIT 0)
  endif()
  set(golden "")
  if(T_GOLDEN)
    set(golden ${DUMPPROCS_TESTDATA}/golden/${T_GOLDEN})
  endif()
  add_test(NAME cli.${T_NAME}
           COMMAND ${CMAKE_COMMAND} -DBINARY=$<TARGET_FILE:dumpprocs> "-DARGS=${T_ARGS}"
                   -DEXIT=${T_EXIT} -DGOLDEN=${golden} "-DSTDERR_CONTAINS=${T_STDERR_CONTAINS}"
                   "-DSTDOUT_CONTAINS=${T_STDOUT_CONTAINS}" "-DSTDERR_LACKS=${T_STDERR_LACKS}"
                   -DWORKDIR=${DUMPPROCS_TESTDATA}
                   -P ${DUMPPROCS_CLI_RUNNER})
endfunction()

file(GLOB CLI_CASE_FILES CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/cases/*.cmake)
foreach(case_file ${CLI_CASE_FILES})
  include(${case_file})
endforeach()
