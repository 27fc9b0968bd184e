# Runs one CLI regression case: the binary with ARGS (a ;-list), compares the exit code with EXIT,
# stdout with the golden file GOLDEN (if given), and checks that stderr contains STDERR_CONTAINS.
# With the environment variable DUMPPROCS_UPDATE_GOLDEN=1 the golden file is rewritten instead;
# review the diff before committing it.
include(${CMAKE_CURRENT_LIST_DIR}/output_checks.cmake)
# The developer's own symbol path must not change what the goldens say.
unset(ENV{_NT_SYMBOL_PATH})
separate_arguments(ARG_LIST UNIX_COMMAND "${ARGS}")
execute_process(COMMAND ${BINARY} ${ARG_LIST}
                WORKING_DIRECTORY ${WORKDIR}
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT "${rc}" STREQUAL "${EXIT}")
  message(FATAL_ERROR "exit code ${rc}, expected ${EXIT}\nstdout:\n${out}\nstderr:\n${err}")
endif()
if(GOLDEN)
  if("$ENV{DUMPPROCS_UPDATE_GOLDEN}" STREQUAL "1")
    file(WRITE ${GOLDEN} "${out}")
  else()
    if(NOT EXISTS ${GOLDEN})
      message(FATAL_ERROR "golden file ${GOLDEN} is missing\nstdout:\n${out}")
    endif()
    file(READ ${GOLDEN} expected)
    if(NOT "${out}" STREQUAL "${expected}")
      file(WRITE ${GOLDEN}.actual "${out}")
      message(FATAL_ERROR "stdout differs from ${GOLDEN} (actual output in ${GOLDEN}.actual):\n"
                          "diff -u ${GOLDEN} ${GOLDEN}.actual\nstderr:\n${err}")
    endif()
  endif()
endif()
dumpprocs_check_streams(out err)
