# Runs one CLI case on a cut copy of a sample: SOURCE cut to its first BYTES bytes (what
# `head -c BYTES` writes, as a copy that stopped early leaves a dump) into CUT, then the case as
# run_cli_test.cmake runs it, in the cut's directory so that ARGS name it relatively. The cut is
# made at test time and removed after a passing run; no cut file is committed.
get_filename_component(cut_dir ${CUT} DIRECTORY)
file(MAKE_DIRECTORY ${cut_dir})
execute_process(COMMAND head -c ${BYTES} ${SOURCE} OUTPUT_FILE ${CUT} RESULT_VARIABLE cut_rc)
file(SIZE ${CUT} cut_size)
if(NOT cut_rc EQUAL 0 OR NOT cut_size EQUAL BYTES)
  message(FATAL_ERROR "cannot cut ${SOURCE} to ${BYTES} bytes (head: ${cut_rc}, ${cut_size})")
endif()
set(WORKDIR ${cut_dir})
include(${CMAKE_CURRENT_LIST_DIR}/run_cli_test.cmake)
file(REMOVE ${CUT})
