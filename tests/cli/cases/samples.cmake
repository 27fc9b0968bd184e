# Every sample dump in testdata/ is made by dumpgen; regenerating it must give the same bytes.
set(DUMPGEN_SAMPLES
    win7sp1_7601_article win7sp1_7601_article_bitmap win81_9600_article win10_15063_article
    win7sp1_7601c_mm428 dkom_7601 dkom_9600 dkom_19041 dkom_22631 dkom_26100 broken_flink_19041
    unknown_build_19999 no_layout_match_19999 rdmp8_7601c rdmp9_7601c rdmpa_7601c
    live_22631_kernel_bitmap)
foreach(sample ${DUMPGEN_SAMPLES})
  add_test(NAME dumpgen.regenerates.${sample}
           COMMAND ${CMAKE_COMMAND} -DDUMPGEN=$<TARGET_FILE:dumpgen> -DSCENARIO=${sample}
                   -DOUT=${CMAKE_CURRENT_BINARY_DIR}/regen_${sample}.dmp
                   -DEXPECTED=${PROJECT_SOURCE_DIR}/testdata/${sample}.dmp
                   -P ${CMAKE_CURRENT_LIST_DIR}/../regenerate_sample.cmake)
endforeach()
