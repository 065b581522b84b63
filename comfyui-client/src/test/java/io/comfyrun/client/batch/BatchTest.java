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
 * cancel; and fail-fast against two real fake servers.
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

    @Test
    void failFastAgainstTwoServersWaitsForTheRunningJobOnTheOtherServerAndSkipsOnlyTheWaitingOne() throws Exception {
        try (io.comfyrun.fake.FakeComfyUI fakeA = io.comfyrun.fake.FakeComfyUI.builder().port(0).timeScale(20).seed(1).start();
             io.comfyrun.fake.FakeComfyUI fakeB = io.comfyrun.fake.FakeComfyUI.builder().port(0).timeScale(20).seed(2).start();
             io.comfyrun.client.ComfyClient client = io.comfyrun.client.ComfyClient.create()) {
            fakeA.scenario().stepsPerSecond("KSampler", 0.1); // 200 s virtual, 10 s real: runs until interrupted
            fakeB.scenario().stepsPerSecond("KSampler", 0.1);
            io.comfyrun.client.ServerConfig a = io.comfyrun.client.ServerConfig.of(fakeA.baseUrl());
            io.comfyrun.client.ServerConfig b = io.comfyrun.client.ServerConfig.of(fakeB.baseUrl());
            java.util.Map<String, java.util.List<io.comfyrun.client.progress.PromptEvent>> events =
                    new java.util.concurrent.ConcurrentHashMap<>();
            java.util.Map<String, io.comfyrun.client.PromptHandle> handles = new java.util.concurrent.ConcurrentHashMap<>();
            OutputHandling none = OutputHandling.none(Runnable::run);
            java.util.function.BiFunction<String, io.comfyrun.client.ServerConfig, PromptJob> job = (name, server) -> {
                java.util.List<io.comfyrun.client.progress.PromptEvent> list =
                        new java.util.concurrent.CopyOnWriteArrayList<>();
                events.put(name, list);
                return new PromptJob(name, client, server, io.comfyrun.client.workflow.Workflow.fromJson(
                        io.comfyrun.client.EngineFixtureAccess.txt2img(name.hashCode(), 20), name), null, list::add,
                        none, h -> handles.put(name, h));
            };
            // a0 and a1 share server A (limit 1 per server): a1 waits while a0 runs; b2 runs on B meanwhile.
            List<PromptJob> jobs = List.of(job.apply("a0", a), job.apply("a1", a), job.apply("b2", b));
            Batch.BatchRun run = Batch.builder().maxConcurrency(3).maxPerServer(1).mode(Batch.Mode.FAIL_FAST).build()
                    .start(jobs);
            java.util.function.Predicate<String> sampling = name -> events.get(name).stream()
                    .anyMatch(e -> e instanceof io.comfyrun.client.progress.PromptEvent.StepProgress);
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20))
                    .until(() -> sampling.test("a0") && sampling.test("b2"));
            assertThat(handles).doesNotContainKey("a1");

            // Someone interrupts a0 on server A: the batch fails fast while b2 is still sampling on B.
            client.http(a).interrupt(null);
            BatchResult result = run.result().get(30, java.util.concurrent.TimeUnit.SECONDS);

            assertThat(result.jobs()).extracting(JobResult::name).containsExactly("a0", "a1", "b2");
            assertThat(result.jobs()).extracting(JobResult::outcome)
                    .containsExactly(Outcome.INTERRUPTED, null, Outcome.INTERRUPTED);
            assertThat(result.jobs().get(1).message()).contains("skipped").contains("a0");
            // b2 is reported with its real end: the prompt result the engine saw after our cancel took effect.
            JobResult b2 = result.jobs().get(2);
            assertThat(b2.prompts()).singleElement().satisfies(p -> {
                assertThat(p.promptId()).isEqualTo(handles.get("b2").promptId());
                assertThat(p.errors()).singleElement().satisfies(e -> assertThat(e.message()).contains("cancelled by this client"));
            });
            assertThat(handles.get("b2").result()).isDone();
            assertThat(fakeB.journal().requests("POST", "/interrupt")).singleElement()
                    .satisfies(e -> assertThat(e.text()).contains(handles.get("b2").promptId()));
            assertThat(fakeA.journal().requests("POST", "/prompt")).hasSize(1);
        }
    }
}
