package io.comfyrun.client.batch;

import io.comfyrun.client.Outcome;
import java.util.List;

/** The results of every job of a batch, in the order the jobs were given. */
public record BatchResult(List<JobResult> jobs) {

    public BatchResult {
        jobs = List.copyOf(jobs);
    }

    public boolean allSucceeded() {
        return jobs.stream().allMatch(JobResult::succeeded);
    }

    public long count(Outcome outcome) {
        return jobs.stream().filter(j -> j.outcome() == outcome).count();
    }

    public long skipped() {
        return jobs.stream().filter(JobResult::skipped).count();
    }
}
