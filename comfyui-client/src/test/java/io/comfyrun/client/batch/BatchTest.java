package io.comfyrun.client.batch;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyrun.client.Outcome;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The scheduling rules of {@link Batch} with jobs the test completes by hand: limits, order, fail-fast,
 * cancel. (Jobs against the real fake server are covered by the CLI tests.)
 */
class BatchTest {

    static final URI A = URI.create("http://a:8188/");
    static final URI B = URI.create("http://b:8188/");

    /** A job whose end the test decides. */
    static final class HandJob implements BatchJob {
        final String name;
        final URI server;
        final CompletableFuture<JobResult> result = new CompletableFuture<>();
        boolean started;
        boolean cancelled;

        HandJob(String name, URI server) {
            this.name = name;
            this.server = server;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public URI server() {
            return server;
        }

        @Override
        public Running start() {
            started = true;
            return new Running() {
                @Override
                public CompletableFuture<JobResult> result() {
                    return result;
                }

                @Override
                public CompletableFuture<Void> cancel() {
                    cancelled = true;
                    end(Outcome.INTERRUPTED);
                    return CompletableFuture.completedFuture(null);
                }
            };
        }

        void end(Outcome outcome) {
            result.complete(new JobResult(name, outcome, List.of(), List.of(), ""));
        }
    }

    static List<HandJob> jobs(URI... servers) {
        List<HandJob> list = new ArrayList<>();
        for (int i = 0; i < servers.length; i++) {
            list.add(new HandJob("job" + i, servers[i]));
        }
        return list;
    }

    @Test
    void respectsOverallAndPerServerLimitsInOrder() {
        List<HandJob> jobs = jobs(A, A, A, B, B);
        Batch.BatchRun run = Batch.builder().maxConcurrency(3).maxPerServer(2).build().start(jobs);
        assertThat(jobs).extracting(j -> j.started).containsExactly(true, true, false, true, false);
        jobs.get(0).end(Outcome.SUCCESS);
        assertThat(jobs).extracting(j -> j.started).containsExactly(true, true, true, true, false);
        jobs.get(3).end(Outcome.FAILED);
        assertThat(jobs.get(4).started).isTrue();
        jobs.forEach(j -> j.end(Outcome.SUCCESS));
        BatchResult result = run.result().join();
        assertThat(result.jobs()).extracting(JobResult::outcome)
                .containsExactly(Outcome.SUCCESS, Outcome.SUCCESS, Outcome.SUCCESS, Outcome.FAILED, Outcome.SUCCESS);
        assertThat(result.allSucceeded()).isFalse();
    }

    @Test
    void failFastCancelsRunningJobsAndSkipsTheRest() {
        List<HandJob> jobs = jobs(A, B, A, B);
        Batch.BatchRun run = Batch.builder().maxConcurrency(2).maxPerServer(1).mode(Batch.Mode.FAIL_FAST).build().start(jobs);
        jobs.get(0).end(Outcome.REJECTED);
        BatchResult result = run.result().join();
        assertThat(jobs.get(1).cancelled).isTrue();
        assertThat(jobs.get(2).started).isFalse();
        assertThat(result.jobs()).extracting(JobResult::outcome).containsExactly(Outcome.REJECTED, Outcome.INTERRUPTED, null, null);
        assertThat(result.jobs().get(2).message()).contains("skipped").contains("job0").contains("rejected");
        assertThat(result.skipped()).isEqualTo(2);
    }

    @Test
    void cancelStopsEverything() {
        List<HandJob> jobs = jobs(A, A);
        Batch.BatchRun run = Batch.builder().maxConcurrency(1).build().start(jobs);
        run.cancel().join();
        BatchResult result = run.result().join();
        assertThat(result.jobs()).extracting(JobResult::outcome).containsExactly(Outcome.INTERRUPTED, null);
    }

    @Test
    void emptyBatchCompletesAtOnce() {
        assertThat(Batch.builder().build().start(List.of()).result().join().jobs()).isEmpty();
    }
}
