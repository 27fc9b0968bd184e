# The witnesses of issue 16, each alone: kproc, session, handles, csrss on a Windows 7 and a
# Windows 10 DKOM sample (on 7601 the row lacks _MM_SESSION_SPACE: session is unavailable by the
# symbol data, the run stays complete). Alone, no view can judge hiding: every verdict is unjudged.
foreach(sample dkom_7601 dkom_19041)
  foreach(view kproc session handles csrss)
    dumpprocs_cli_test(NAME ${sample}.view_${view} ARGS "${sample}.dmp --view ${view}"
                       GOLDEN ${sample}_view_${view}.txt)
  endforeach()
endforeach()
# csrss in --diff: what the Process Manager's list lacks and csrss's handles still name.
dumpprocs_cli_test(NAME dkom_19041.diff_active_csrss ARGS "dkom_19041.dmp --diff active,csrss"
                   GOLDEN dkom_19041_diff_active_csrss.txt)
# The triage dump saves no csrss.exe: the view says why it is unavailable, exit 3.
dumpprocs_cli_test(NAME triage.view_csrss ARGS "real/triage_x64.dmp --view csrss" EXIT 3
                   STDOUT_CONTAINS "UNAVAILABLE: no csrss.exe among the processes on ActiveProcessLinks that the dump holds")
