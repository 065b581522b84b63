package io.comfyrun.client;

import io.comfyrun.client.progress.PromptEvent;
import io.comfyrun.fake.scenario.Fault;
import io.comfyrun.fake.scenario.Trigger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;

import static io.comfyrun.client.EngineFixture.await;
import static io.comfyrun.client.EngineFixture.txt2img;
import static org.assertj.core.api.Assertions.assertThat;

/** Every fault of the fake's catalogue that the engine must survive, one named case each. */
class FaultCatalogueTest {

    final EngineFixture f = new EngineFixture(20, ComfyClient.builder().silenceReconcile(Duration.ofSeconds(1)));

    @AfterEach
    void tearDown() {
        f.close();
    }

    private ServerConfig fastPing() {
        return f.server().withTimeouts(Timeouts.DEFAULTS.withPing(Duration.ofMillis(300)));
    }

    private int promptsExecuted() throws Exception {
        return f.client.http(f.server()).getJson("history").size();
    }

    @ParameterizedTest(name = "ws fault {0} mid-run: still success, one submission")
    @EnumSource(Fault.WsAction.class)
    void everyWebSocketFaultMidRun(Fault.WsAction action) throws Exception {
        f.fake.scenario().stepsPerSecond("KSampler", 4); // 20 steps: 250 ms real
        f.fake.faults().ws(Trigger.onEvent("progress", 2), action);
        EngineFixture.Recorder rec = new EngineFixture.Recorder();
        PromptResult r = await(f.client.submit(fastPing(), PromptRequest.of(txt2img(400 + action.ordinal(), 20)), rec));

        assertThat(r.outcome()).as(action + " " + r.errors()).isEqualTo(Outcome.SUCCESS);
        assertThat(r.outputs()).hasSize(1);
        rec.assertSingleFinishedLast();
        assertThat(f.requests("POST", "/prompt")).isEqualTo(1);
        assertThat(f.fake.journal().faults()).isNotEmpty();
    }

    @Test
    void refusedUpgradesFallBackToPollingThenSucceed() throws Exception {
        f.fake.faults().refuseUpgrades(3, 403);
        PromptResult r = await(f.client.submit(f.server(), PromptRequest.of(txt2img(420, 4)), null));
        assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(r.method()).isIn(TrackingMethod.POLLING, TrackingMethod.MIXED);
    }

    @Test
    void http500OnSubmitIsRetriedWithTheSamePromptIdAndRunsOnce() throws Exception {
        f.fake.faults().http(Trigger.onRoute("POST", "/prompt"), Fault.HttpAction.STATUS, 500);
        PromptHandle h = f.client.submit(f.server(), PromptRequest.of(txt2img(421, 4)), null);
        assertThat(await(h).outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(f.fake.journal().requests("POST", "/prompt")).hasSize(2)
                .allSatisfy(e -> assertThat(e.text()).contains(h.promptId()));
        assertThat(promptsExecuted()).isEqualTo(1);
    }

    /**
     * "Three 5xx answers to POST /prompt" means three answers: a reset before them, or a failed duplicate check, is
     * not one of them (found by the chaos run on a loaded machine: a timed-out POST and a 503 on /history counted
     * as two, and a single 503 then ended the prompt REJECTED "three times").
     */
    @Test
    void onlyServerErrorAnswersCountTowardsTheThreeThatRejectAPrompt() throws Exception {
        f.fake.faults().http(Trigger.onRoute("POST", "/prompt"), Fault.HttpAction.RESET, null);
        f.fake.faults().http(Trigger.onRoute("GET", "/history/*"), Fault.HttpAction.STATUS, 503); // the duplicate check
        f.fake.faults().http(Trigger.onRoute("POST", "/prompt"), Fault.HttpAction.STATUS, 503);
        f.fake.faults().http(Trigger.onRoute("POST", "/prompt"), Fault.HttpAction.STATUS, 503);
        PromptHandle h = f.client.submit(f.server(), PromptRequest.of(txt2img(437, 4)), null);
        assertThat(await(h).outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(f.fake.journal().requests("POST", "/prompt")).hasSize(4);
        assertThat(promptsExecuted()).isEqualTo(1);
    }

    @Test
    void threeServerErrorAnswersToTheSubmitRejectThePrompt() throws Exception {
        for (int i = 0; i < 3; i++) {
            f.fake.faults().http(Trigger.onRoute("POST", "/prompt"), Fault.HttpAction.STATUS, 503);
        }
        PromptResult r = await(f.client.submit(f.server(), PromptRequest.of(txt2img(438, 4)), null));
        assertThat(r.outcome()).isEqualTo(Outcome.REJECTED);
        assertThat(r.errors()).singleElement().satisfies(e -> assertThat(e.message()).contains("HTTP 503")
                .contains("three times"));
        assertThat(f.fake.journal().requests("POST", "/prompt")).hasSize(3);
        assertThat(promptsExecuted()).isZero();
    }

    @Test
    void connectionResetOnSubmitIsCheckedThenRetriedAndRunsOnce() throws Exception {
        f.fake.faults().http(Trigger.onRoute("POST", "/prompt"), Fault.HttpAction.RESET, null);
        assertThat(await(f.client.submit(f.server(), PromptRequest.of(txt2img(422, 4)), null)).outcome())
                .isEqualTo(Outcome.SUCCESS);
        assertThat(promptsExecuted()).isEqualTo(1);
    }

    @Test
    void emptyAnswerOnSubmitIsCheckedThenRetriedAndRunsOnce() throws Exception {
        f.fake.faults().add(new Fault.HttpFault(Trigger.onRoute("POST", "/prompt"), 1, Fault.HttpAction.EMPTY,
                null, null, null));
        assertThat(await(f.client.submit(f.server(), PromptRequest.of(txt2img(423, 4)), null)).outcome())
                .isEqualTo(Outcome.SUCCESS);
        assertThat(promptsExecuted()).isEqualTo(1);
    }

    @Test
    void truncatedAnswerToAnAcceptedSubmitIsNeverPostedTwice() throws Exception {
        f.fake.faults().http(Trigger.onRoute("POST", "/prompt"), Fault.HttpAction.TRUNCATE, 10);
        assertThat(await(f.client.submit(f.server(), PromptRequest.of(txt2img(424, 4)), null)).outcome())
                .isEqualTo(Outcome.SUCCESS);
        assertThat(f.requests("POST", "/prompt")).isEqualTo(1);
        assertThat(promptsExecuted()).isEqualTo(1);
    }

    @Test
    void eventsArrivingBeforeThePostAnswersAreNotLost() throws Exception {
        // The POST is processed at once but answered 1 s (real) later: the whole run happens before the answer.
        f.fake.faults().httpDelay(Trigger.onRoute("POST", "/prompt"), 20_000);
        EngineFixture.Recorder rec = new EngineFixture.Recorder();
        PromptResult r = await(f.client.submit(f.server(), PromptRequest.of(txt2img(425, 4)), rec));

        assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(r.method()).isEqualTo(TrackingMethod.WEBSOCKET);
        assertThat(rec.of(PromptEvent.Submitted.class)).hasSize(1);
        assertThat(rec.of(PromptEvent.StepProgress.class)).hasSize(4);
        assertThat(r.outputs()).hasSize(1);
    }

    @Test
    void failingQueueAndHistoryCallsWhilePollingAreRetried() throws Exception {
        f.fake.faults().add(new Fault.HttpFault(Trigger.onRoute("GET", "/queue"), 2, Fault.HttpAction.STATUS, 502,
                null, null));
        f.fake.faults().add(new Fault.HttpFault(Trigger.onRoute("GET", "/history/*"), 2, Fault.HttpAction.STATUS, 502,
                null, null));
        assertThat(await(f.client.submit(f.polling(), PromptRequest.of(txt2img(426, 4)), null)).outcome())
                .isEqualTo(Outcome.SUCCESS);
    }

    @Test
    void healthCheckFailureIsRetriedWithinTheConnectDeadline() throws Exception {
        f.fake.faults().http(Trigger.onRoute("GET", "/system_stats"), Fault.HttpAction.STATUS, 503);
        assertThat(await(f.client.submit(f.server(), PromptRequest.of(txt2img(427, 4)), null)).outcome())
                .isEqualTo(Outcome.SUCCESS);
    }

    @Test
    void delayedHistoryWriteWhilePollingIsWaitedFor() throws Exception {
        f.fake.faults().historyDelay(4_000); // 200 ms real
        assertThat(await(f.client.submit(f.polling(), PromptRequest.of(txt2img(428, 4)), null)).outcome())
                .isEqualTo(Outcome.SUCCESS);
    }

    @Test
    void deafSocketAfterTheSameClientIdBugIsDetectedAndAFreshClientIdUsed() throws Exception {
        f.fake.scenario().sameClientIdBug(true);
        f.fake.scenario().stepsPerSecond("KSampler", 1); // 20 steps: 1 s real
        // The server stops answering pings on our socket: we drop it and reconnect with the same clientId.
        f.fake.faults().ws(Trigger.onEvent("progress", 2), Fault.WsAction.STALL);
        PromptResult r = await(f.client.submit(fastPing(), PromptRequest.of(txt2img(429, 20)), null));
        assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(r.outputs()).hasSize(1);

        // Closing the old socket before reconnecting (workaround a of §2.6) keeps the new one hearing; either way
        // the next prompt is tracked to the end.
        PromptResult next = await(f.client.submit(fastPing(), PromptRequest.of(txt2img(430, 4)), null));
        assertThat(next.outcome()).isEqualTo(Outcome.SUCCESS);
    }

    @Test
    void socketMadeDeafUnderARunningPromptIsDetectedAndHearsAgainBeforeThePromptEnds() throws Exception {
        f.fake.scenario().sameClientIdBug(true);
        f.fake.scenario().stepsPerSecond("KSampler", 0.1); // 20 steps: 200 s virtual, 10 s real
        EngineFixture.Recorder rec = new EngineFixture.Recorder();
        PromptHandle h = f.client.submit(f.server(), PromptRequest.of(txt2img(431, 20)), rec);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20))
                .until(() -> !rec.of(PromptEvent.StepProgress.class).isEmpty());
        ServerConnection conn = f.client.servers().connections().get(0);
        String clientId = conn.clientId();

        // Another socket with our clientId connects, then closes: with ComfyUI#16010 the server routes our prompt's
        // events to nobody from then on, while our own socket stays open and answers pings (§2.6).
        okhttp3.OkHttpClient ok = new okhttp3.OkHttpClient();
        java.util.concurrent.CountDownLatch opened = new java.util.concurrent.CountDownLatch(1);
        okhttp3.WebSocket intruder = ok.newWebSocket(new okhttp3.Request.Builder()
                .url(f.fake.baseUrl().toString().replaceFirst("/?$", "/ws?clientId=" + clientId)).build(),
                new okhttp3.WebSocketListener() {
                    @Override
                    public void onOpen(okhttp3.WebSocket ws, okhttp3.Response response) {
                        opened.countDown();
                    }
                });
        assertThat(opened.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        intruder.close(1000, "bye");
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> f.fake.journal()
                .entries(e -> e.kind() == io.comfyrun.fake.journal.JournalEntry.Kind.WS_CLOSED).size() == 1);
        int progressBefore = rec.of(PromptEvent.StepProgress.class).size();
        ok.dispatcher().executorService().shutdown();

        PromptResult r = await(h);
        assertThat(r.outcome()).as("%s", r.errors()).isEqualTo(Outcome.SUCCESS);
        assertThat(r.outputs()).hasSize(1);
        assertThat(r.method()).isIn(TrackingMethod.WEBSOCKET, TrackingMethod.MIXED);
        assertThat(conn.resubscribes() + conn.deafRotations()).isPositive();
        if (r.method() == TrackingMethod.WEBSOCKET) {
            // Re-subscribed with the same clientId: the sampler's later steps reached us again while it ran.
            assertThat(rec.of(PromptEvent.StepProgress.class).size()).isGreaterThan(progressBefore + 1);
        }
        rec.assertSingleFinishedLast();
        assertThat(f.requests("POST", "/prompt")).isEqualTo(1);
    }
}
