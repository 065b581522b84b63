package io.comfyrun.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.comfyrun.client.http.Json;
import io.comfyrun.client.progress.PromptEvent;
import io.comfyrun.fake.FakeComfyUI;
import io.comfyrun.fake.journal.JournalEntry;
import io.comfyrun.fake.scenario.Trigger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static io.comfyrun.client.EngineFixture.await;
import static io.comfyrun.client.EngineFixture.txt2img;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The engine against the fake's version profiles (protocol reference §10): a server too old for client prompt
 * ids, one too old for targeted interrupts, and a newer one with the jobs cancel API.
 */
class OlderAndNewerServersTest {

    EngineFixture f;

    @AfterEach
    void tearDown() {
        if (f != null) {
            f.close();
        }
    }

    @Test
    void olderThan0345TheEngineAdoptsTheServersIdAndKeepsEventsThatBeatThePostAnswer() throws Exception {
        f = new EngineFixture(FakeComfyUI.builder().timeScale(1000).comfyuiVersion("0.3.44"),
                ComfyClient.builder().silenceReconcile(Duration.ofSeconds(2)));
        // The answer to POST /prompt leaves 2 s (real) after the prompt was queued; the run takes about 3 ms, so
        // every event of the prompt reaches the engine before it knows the prompt's id.
        f.fake.faults().httpDelay(Trigger.onRoute("POST", "/prompt"), 2_000_000);
        EngineFixture.Recorder rec = new EngineFixture.Recorder();

        PromptResult r = await(f.client.submit(f.server(), PromptRequest.of(txt2img(3, 4)), rec));

        assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(r.method()).isEqualTo(TrackingMethod.WEBSOCKET);
        assertThat(r.outputs()).singleElement().satisfies(o -> assertThat(o.nodeId()).isEqualTo("9"));
        JournalEntry post = f.fake.journal().requests("POST", "/prompt").get(0);
        assertThat(Json.parseLenient(post.text()).has("prompt_id")).as("no client id sent to an old server").isFalse();
        JournalEntry answer = single(f.fake.journal().entries(e -> e.kind() == JournalEntry.Kind.HTTP_RESPONSE
                && "POST".equals(e.method()) && e.path().endsWith("/prompt")));
        String serverId = Json.parseLenient(answer.text()).path("prompt_id").asText();
        assertThat(r.promptId()).isEqualTo(serverId);
        JournalEntry success = single(f.fake.journal().wsFramesOut("execution_success"));
        assertThat(success.text()).contains(serverId);
        assertThat(success.seq()).as("execution_success went out before the POST answer").isLessThan(answer.seq());
        assertThat(f.fake.journal().wsFramesOut("progress_state")).as("0.3.44 has no progress_state").isEmpty();
        assertThat(rec.of(PromptEvent.StepProgress.class)).extracting(PromptEvent.StepProgress::value)
                .containsExactly(1, 2, 3, 4);
        rec.assertSingleFinishedLast();
        assertThat(f.requests("POST", "/prompt")).isEqualTo(1);
    }

    @Test
    void olderThan0357CancelOfARunningPromptInterruptsGloballyOnlyAfterTheQueueShowsItRunning() throws Exception {
        f = new EngineFixture(FakeComfyUI.builder().timeScale(1).comfyuiVersion("0.3.56"),
                ComfyClient.builder().silenceReconcile(Duration.ofSeconds(2)));
        f.fake.scenario().nodeDuration("CheckpointLoaderSimple", Duration.ZERO).stepsPerSecond("KSampler", 2);
        EngineFixture.Recorder rec = new EngineFixture.Recorder();
        PromptHandle h = f.client.submit(f.server(), PromptRequest.of(txt2img(4, 1000)), rec);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20))
                .until(() -> !rec.of(PromptEvent.StepProgress.class).isEmpty());

        h.cancel().get(10, java.util.concurrent.TimeUnit.SECONDS);
        PromptResult r = await(h);

        assertThat(r.outcome()).isEqualTo(Outcome.INTERRUPTED);
        List<JournalEntry> interrupts = f.fake.journal().requests("POST", "/interrupt");
        assertThat(interrupts).singleElement().satisfies(i -> assertThat(Json.parseLenient(i.text()).has("prompt_id"))
                .as("a global interrupt: the server would ignore a prompt_id anyway").isFalse());
        JournalEntry lastQueueAnswer = f.fake.journal().entries(e -> e.kind() == JournalEntry.Kind.HTTP_RESPONSE
                && "GET".equals(e.method()) && e.path().endsWith("/queue") && e.seq() < interrupts.get(0).seq())
                .stream().reduce((a, b) -> b).orElseThrow(() -> new AssertionError("no GET /queue before /interrupt"));
        JsonNode running = Json.parseLenient(lastQueueAnswer.text()).path("queue_running");
        assertThat(running).hasSize(1);
        assertThat(running.get(0).get(1).asText()).isEqualTo(h.promptId());
        assertThat(f.fake.journal().wsFramesOut("execution_interrupted")).hasSize(1);
    }

    @Test
    void olderThan0357CancelOfAPendingPromptDeletesItAndSendsNoInterrupt() throws Exception {
        f = new EngineFixture(FakeComfyUI.builder().timeScale(1).comfyuiVersion("0.3.56"),
                ComfyClient.builder().silenceReconcile(Duration.ofSeconds(2)));
        f.fake.scenario().nodeDuration("CheckpointLoaderSimple", Duration.ZERO).stepsPerSecond("KSampler", 2);
        EngineFixture.Recorder first = new EngineFixture.Recorder();
        PromptHandle running = f.client.submit(f.server(), PromptRequest.of(txt2img(5, 1000)), first);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20))
                .until(() -> !first.of(PromptEvent.StepProgress.class).isEmpty());
        PromptHandle pending = f.client.submit(f.server(), PromptRequest.of(txt2img(6, 1000)), null);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20))
                .until(() -> f.fake.journal().requests("POST", "/prompt").size() == 2
                        && f.fake.journal().entries(e -> e.kind() == JournalEntry.Kind.HTTP_RESPONSE
                        && "POST".equals(e.method()) && e.path().endsWith("/prompt")).size() == 2);

        pending.cancel().get(10, java.util.concurrent.TimeUnit.SECONDS);
        PromptResult r = await(pending);

        assertThat(r.outcome()).isEqualTo(Outcome.INTERRUPTED);
        assertThat(f.fake.journal().requests("POST", "/queue")).singleElement().satisfies(d ->
                assertThat(Json.parseLenient(d.text()).path("delete").get(0).asText()).isEqualTo(pending.promptId()));
        assertThat(f.fake.journal().requests("POST", "/interrupt")).isEmpty();
        assertThat(running.result()).isNotDone();
        assertThat(f.fake.journal().wsFramesOut("execution_start")).singleElement()
                .satisfies(e -> assertThat(e.text()).contains(running.promptId()));
    }

    @Test
    void withTheJobsApiTheEngineCancelsThroughItAndSendsNoInterrupt() throws Exception {
        f = new EngineFixture(FakeComfyUI.builder().timeScale(1).jobsApi(true),
                ComfyClient.builder().silenceReconcile(Duration.ofSeconds(2)));
        f.fake.scenario().nodeDuration("CheckpointLoaderSimple", Duration.ZERO).stepsPerSecond("KSampler", 2);
        EngineFixture.Recorder rec = new EngineFixture.Recorder();
        PromptHandle h = f.client.submit(f.server(), PromptRequest.of(txt2img(7, 1000)), rec);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20))
                .until(() -> !rec.of(PromptEvent.StepProgress.class).isEmpty());

        h.cancel().get(10, java.util.concurrent.TimeUnit.SECONDS);
        PromptResult r = await(h);

        assertThat(r.outcome()).isEqualTo(Outcome.INTERRUPTED);
        assertThat(f.fake.journal().entries(e -> e.kind() == JournalEntry.Kind.HTTP_REQUEST
                && "POST".equals(e.method()) && e.path().equals("/api/jobs/" + h.promptId() + "/cancel"))).hasSize(1);
        assertThat(f.fake.journal().entries(e -> e.kind() == JournalEntry.Kind.HTTP_RESPONSE
                && e.path().startsWith("/api/jobs/"))).singleElement()
                .satisfies(e -> assertThat(e.status()).isEqualTo(200));
        assertThat(f.fake.journal().requests("POST", "/interrupt")).isEmpty();
        assertThat(f.fake.journal().wsFramesOut("execution_interrupted")).singleElement()
                .satisfies(e -> assertThat(e.text()).contains(h.promptId()));
    }

    private static JournalEntry single(List<JournalEntry> entries) {
        assertThat(entries).hasSize(1);
        return entries.get(0);
    }
}
