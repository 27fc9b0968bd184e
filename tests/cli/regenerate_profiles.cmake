# Regenerates src/kernel/builtin_profiles.cpp from ../shared with cmake/gen_profiles.py and fails if
# the committed copy differs. Without ../shared there is nothing to compare against: it says so.
if(NOT EXISTS ${SHARED}/reference/kernel-offsets.json)
  message(STATUS "SKIPPED: ${SHARED} is not present; the committed profile table is used as is")
  return()
endif()
execute_process(COMMAND ${PYTHON} ${SOURCE}/cmake/gen_profiles.py --shared ${SHARED} --out ${OUT}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "gen_profiles.py failed (${rc}):\n${out}\n${err}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${OUT} ${SOURCE}/src/kernel/builtin_profiles.cpp
                RESULT_VARIABLE same)
if(NOT same EQUAL 0)
  message(FATAL_ERROR "src/kernel/builtin_profiles.cpp is not what gen_profiles.py makes of ${SHARED}: "
                      "run `python3 cmake/gen_profiles.py --shared ../shared --out "
                      "src/kernel/builtin_profiles.cpp` and review the diff (diff -u ${OUT} ...)")
endif()
