# Regenerates src/kernel/builtin_profiles.cpp from data/ with cmake/gen_profiles.py and fails if
# the committed copy differs, or if the data is missing (a clone without data/ cannot prove it).
if(NOT EXISTS ${DATA}/reference/kernel-offsets.json)
  message(FATAL_ERROR "${DATA}/reference/kernel-offsets.json is missing: the profile data is part "
                      "of the repository (data/README.md)")
endif()
execute_process(COMMAND ${PYTHON} ${SOURCE}/cmake/gen_profiles.py --data ${DATA} --out ${OUT}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "gen_profiles.py failed (${rc}):\n${out}\n${err}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${OUT} ${SOURCE}/src/kernel/builtin_profiles.cpp
                RESULT_VARIABLE same)
if(NOT same EQUAL 0)
  message(FATAL_ERROR "src/kernel/builtin_profiles.cpp is not what gen_profiles.py makes of ${DATA}: "
                      "run `python3 cmake/gen_profiles.py --out src/kernel/builtin_profiles.cpp` "
                      "and review the diff (diff -u ${OUT} ...)")
endif()
