package io.comfyrun.client;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.comfyrun.client.http.Json;
import io.comfyrun.client.progress.PromptEvent;
import io.comfyrun.client.progress.PromptPhase;
import io.comfyrun.fake.journal.JournalEntry;
import io.comfyrun.fake.scenario.Fault;
import io.comfyrun.fake.scenario.Trigger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.comfyrun.client.EngineFixture.await;
import static io.comfyrun.client.EngineFixture.txt2img;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The submit, queued and no-signal deadlines, and every outcome again with tracking by polling only. */
class DeadlinesAndPollingTest {

    EngineFixture f;

    @AfterEach
    void tearDown() {
        if (f != null) {
            f.close();
        }
    }

    private EngineFixture fixture(double timeScale) {
        f = new EngineFixture(timeScale, ComfyClient.builder().silenceReconcile(Duration.ofSeconds(2)));
        return f;
    }

    private static void assertTimedOut(PromptResult r, String deadline) {
        assertThat(r.outcome()).as("%s", r.errors()).isEqualTo(Outcome.TIMED_OUT);
        assertThat(r.errors()).singleElement()
                .satisfies(e -> assertThat(e.message()).contains("deadline '" + deadline + "'"));
    }

    /** Holds the fake's only worker for ~10 s real, so the next prompt waits in the queue. */
    private PromptHandle occupyTheServer(ServerConfig server) {
        f.fake.scenario().stepsPerSecond("KSampler", 0.1);
        PromptHandle blocker = f.client.submit(server, PromptRequest.of(txt2img(900, 20)), null);
        await().atMost(Duration.ofSeconds(10)).until(() -> blocker.progress().phase() == PromptPhase.RUNNING);
        return blocker;
    }

    // ------------------------------------------------------------------ deadlines

    @Test
    void submitDeadlineTimesOutWhenEveryPostFails() throws Exception {
        fixture(200);
        f.fake.faults().add(new Fault.HttpFault(Trigger.onRoute("POST", "/prompt"), -1, Fault.HttpAction.RESET,
                null, null, null));
        PromptResult r = await(f.client.submit(f.server(), PromptRequest.of(txt2img(1, 4))
                .withDeadlines(Deadlines.DEFAULTS.withSubmit(Duration.ofMillis(600))), null));

        assertTimedOut(r, "submit");
        assertThat(r.errors().get(0).message()).contains("last error");
        assertThat(f.requests("POST", "/prompt")).isGreaterThanOrEqualTo(1);
    }

    @Test
    void queuedDeadlineTimesOutAndRemovesOnlyOurPromptFromTheQueue() throws Exception {
        fixture(20);
        PromptHandle blocker = occupyTheServer(f.server());
        PromptHandle h = f.client.submit(f.server(), PromptRequest.of(txt2img(2, 4))
                .withDeadlines(Deadlines.DEFAULTS.withQueued(Duration.ofMillis(500))), null);
        PromptResult r = await(h);

        assertTimedOut(r, "queued");
        await().atMost(Duration.ofSeconds(10)).until(() -> f.fake.journal().requests("POST", "/queue").stream()
                .anyMatch(e -> e.text().contains(h.promptId())));
        assertThat(f.requests("POST", "/interrupt")).isZero();
        assertThat(blocker.result()).isNotDone();
    }

    @Test
    void noSignalDeadlineTimesOutWhenNothingAboutThePromptArrivesAtAll() throws Exception {
        fixture(20);
        f.fake.scenario().stepsPerSecond("KSampler", 0.1);
        // Polling only, and every /queue fails: not one sign of life after the POST was accepted.
        f.fake.faults().add(new Fault.HttpFault(Trigger.onRoute("GET", "/queue"), -1, Fault.HttpAction.STATUS, 502,
                null, null));
        f.fake.faults().add(new Fault.HttpFault(Trigger.onRoute("GET", "/history/*"), -1, Fault.HttpAction.STATUS, 502,
                null, null));
        PromptResult r = await(f.client.submit(f.polling(), PromptRequest.of(txt2img(3, 20))
                .withDeadlines(Deadlines.DEFAULTS.withNoSignal(Duration.ofSeconds(1))), null));

        assertTimedOut(r, "noSignal");
        assertThat(r.method()).isEqualTo(TrackingMethod.POLLING);
    }

    // ------------------------------------------------------------------ every outcome, polling only

    @Test
    void pollingInterruptedOnTheServer() throws Exception {
        fixture(200);
        f.fake.faults().interruptAtStep("3", 2);
        PromptResult r = await(f.client.submit(f.polling(), PromptRequest.of(txt2img(10, 6)), null));
        assertThat(r.outcome()).isEqualTo(Outcome.INTERRUPTED);
        assertThat(r.method()).isEqualTo(TrackingMethod.POLLING);
        assertThat(f.wsOpens()).isZero();
    }

    @Test
    void pollingRejectedWith400() throws Exception {
        fixture(200);
        ObjectNode wf = txt2img(11, 4);
        ((ObjectNode) wf.get("3").get("inputs")).remove("model");
        PromptResult r = await(f.client.submit(f.polling(), PromptRequest.of(wf), null));
        assertThat(r.outcome()).isEqualTo(Outcome.REJECTED);
        assertThat(r.errors()).extracting(PromptError::input).contains("model");
        assertThat(f.wsOpens()).isZero();
    }

    /**
     * A 200 with node_errors: like ComfyUI, the valid outputs run. The engine follows that part to its end (so it is
     * never left running unattended) and reports REJECTED with the refused node and the valid part's file.
     */
    @Test
    void pollingRejectedWith200AndNodeErrorsFollowsTheValidPartToItsEnd() throws Exception {
        fixture(20);
        f.fake.scenario().stepsPerSecond("KSampler", 0.5); // the valid branch would run for 2 s real
        ObjectNode wf = txt2img(12, 20);
        wf.set("12", Json.parseLenient("{\"class_type\": \"VAEDecode\", \"inputs\": {\"samples\": [\"3\", 0]}}"));
        wf.set("13", Json.parseLenient("{\"class_type\": \"SaveImage\", \"inputs\": {\"filename_prefix\": \"b\", \"images\": [\"12\", 0]}}"));
        PromptHandle h = f.client.submit(f.polling(), PromptRequest.of(wf), null);
        PromptResult r = await(h);

        assertThat(r.outcome()).isEqualTo(Outcome.REJECTED);
        assertThat(r.errors()).anySatisfy(e -> assertThat(e.describe()).contains("node 12 VAEDecode"));
        assertThat(r.outputs()).as("the valid output ran").singleElement()
                .satisfies(o -> assertThat(o.nodeId()).isEqualTo("9"));
        assertThat(f.client.http(f.server()).queue().total()).as("nothing left running").isZero();
    }

    @Test
    void pollingLostAfterAServerRestart() throws Exception {
        fixture(20);
        f.fake.scenario().stepsPerSecond("KSampler", 0.1);
        PromptHandle h = f.client.submit(f.polling(), PromptRequest.of(txt2img(13, 20)), null);
        await().atMost(Duration.ofSeconds(10)).until(() -> h.progress().phase() == PromptPhase.RUNNING);
        f.fake.restart();
        PromptResult r = await(h);
        assertThat(r.outcome()).isEqualTo(Outcome.LOST);
        assertThat(r.method()).isEqualTo(TrackingMethod.POLLING);
    }

    @Test
    void pollingRunningDeadlineTimesOutAndInterruptsOurPrompt() throws Exception {
        fixture(20);
        f.fake.scenario().stepsPerSecond("KSampler", 0.2);
        PromptHandle h = f.client.submit(f.polling(), PromptRequest.of(txt2img(14, 20))
                .withDeadlines(Deadlines.DEFAULTS.withRunning(Duration.ofMillis(500))), null);
        assertTimedOut(await(h), "running");
        await().atMost(Duration.ofSeconds(10)).until(() -> f.fake.journal().entries(e ->
                e.kind() == JournalEntry.Kind.HTTP_REQUEST && "POST".equals(e.method()) && e.text() != null
                        && e.text().contains(h.promptId()) && !"/prompt".equals(e.path())).size() >= 1);
    }

    @Test
    void pollingUnreachable() throws Exception {
        fixture(200);
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        ServerConfig nowhere = ServerConfig.of("http://127.0.0.1:" + port).withMode(TrackingMode.POLL_ONLY);
        PromptResult r = await(f.client.submit(nowhere, PromptRequest.of(txt2img(15, 4))
                .withDeadlines(Deadlines.DEFAULTS.withConnect(Duration.ofMillis(800))), null));
        assertThat(r.outcome()).isEqualTo(Outcome.UNREACHABLE);
        assertThat(r.errors()).singleElement().satisfies(e -> assertThat(e.message()).contains("deadline 'connect'"));
    }

    @Test
    void pollingFullyCachedResubmission() throws Exception {
        fixture(200);
        PromptResult first = await(f.client.submit(f.polling(), PromptRequest.of(txt2img(16, 4)), null));
        EngineFixture.Recorder rec = new EngineFixture.Recorder();
        PromptResult second = await(f.client.submit(f.polling(), PromptRequest.of(txt2img(16, 4)), rec));

        assertThat(second.outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(second.method()).isEqualTo(TrackingMethod.POLLING);
        assertThat(second.cachedCount()).isEqualTo(7);
        assertThat(second.outputs()).isEqualTo(first.outputs());
        assertThat(rec.of(PromptEvent.OutputProduced.class)).singleElement()
                .satisfies(e -> assertThat(e.fromCache()).isTrue());
        rec.assertSingleFinishedLast();
    }

    @Test
    void pollingIgnoresOtherClientsPromptsOnTheSameServer() throws Exception {
        fixture(200);
        ComfyHttpApi raw = f.client.http(f.server());
        List<String> theirs = new ArrayList<>();
        for (String clientId : new String[] {"someone-else", null}) {
            ObjectNode body = Json.MAPPER.createObjectNode();
            body.set("prompt", txt2img(500 + theirs.size(), 6));
            if (clientId != null) {
                body.put("client_id", clientId);
            }
            PostPromptResponse resp = raw.postPrompt(body);
            assertThat(resp.status()).isEqualTo(200);
            theirs.add(Json.text(resp.body(), "prompt_id"));
        }
        EngineFixture.Recorder rec = new EngineFixture.Recorder();
        PromptHandle h = f.client.submit(f.polling(), PromptRequest.of(txt2img(502, 6)), rec);
        PromptResult r = await(h);

        assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(r.method()).isEqualTo(TrackingMethod.POLLING);
        assertThat(rec.events).allMatch(e -> e.promptId().equals(h.promptId()));
        assertThat(r.outputs()).singleElement().satisfies(o -> assertThat(o.nodeId()).isEqualTo("9"));
        // Their outputs are not ours, and we never asked about their prompts.
        for (String id : theirs) {
            assertThat(f.fake.journal().requests("GET", "/history/" + id)).isEmpty();
        }
        List<OutputRef> theirOutputs = new ArrayList<>();
        for (String id : theirs) {
            raw.history(id).ifPresent(e -> theirOutputs.addAll(io.comfyrun.client.tracker.ResultParts.historyOutputs(e)));
        }
        assertThat(r.outputs()).doesNotContainAnyElementsOf(theirOutputs);
    }

    @Test
    void manyPromptsInPollingModeCostOneQueueRequestPerTickNotPerPrompt() throws Exception {
        fixture(20);
        f.fake.scenario().stepsPerSecond("KSampler", 20); // 20 steps: 1 s virtual, 50 ms real each
        int prompts = 20;
        long start = System.nanoTime();
        List<PromptHandle> handles = new ArrayList<>();
        for (int i = 0; i < prompts; i++) {
            handles.add(f.client.submit(f.polling(), PromptRequest.of(txt2img(600 + i, 20)), null));
        }
        for (PromptHandle h : handles) {
            assertThat(await(h).outcome()).isEqualTo(Outcome.SUCCESS);
        }
        long elapsedMillis = Duration.ofNanos(System.nanoTime() - start).toMillis();
        // Polling ticks at most every pollMin (100 ms); each tick is one /queue for the server, plus at most one
        // more for the short history retries of that tick. Per-prompt polling would cost about `prompts` times this.
        long ticks = elapsedMillis / 100 + 1;
        assertThat(f.requests("GET", "/queue")).isLessThanOrEqualTo((int) (2 * ticks + 5));
        assertThat(f.wsOpens()).isZero();
    }
}
