# Regenerates one sample with dumpgen and compares it byte for byte with the committed copy.
execute_process(COMMAND ${DUMPGEN} --scenario ${SCENARIO} --out ${OUT} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "dumpgen --scenario ${SCENARIO} failed (${rc})")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${OUT} ${EXPECTED} RESULT_VARIABLE same)
if(NOT same EQUAL 0)
  message(FATAL_ERROR "regenerated ${SCENARIO} differs from ${EXPECTED}: the writer changed; "
                      "regenerate testdata with `dumpgen --all --out-dir testdata` and review")
endif()
