package io.comfyrun.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.comfyrun.client.http.Json;
import io.comfyrun.client.progress.PromptEvent;
import io.comfyrun.client.progress.PromptPhase;
import io.comfyrun.fake.FakeComfyUI;
import io.comfyrun.fake.journal.JournalEntry;
import io.comfyrun.fake.scenario.Fault;
import io.comfyrun.fake.scenario.Trigger;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static io.comfyrun.client.EngineFixture.await;
import static io.comfyrun.client.EngineFixture.txt2img;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The races and costs of issue 13: each outcome here must not depend on which thread or answer came first, and a
 * busy shared server must not make the engine's requests grow with other users' activity.
 */
class RacesAndCostsTest {

    EngineFixture f;
    final OkHttpClient foreign = new OkHttpClient.Builder().readTimeout(30, TimeUnit.SECONDS).build();

    @AfterEach
    void tearDown() {
        if (f != null) {
            f.close();
        }
        foreign.dispatcher().executorService().shutdown();
        foreign.connectionPool().evictAll();
    }

    private EngineFixture fixture(double timeScale, ComfyClient.Builder b) {
        f = new EngineFixture(timeScale, b);
        return f;
    }

    /** Item 1: the cancel arrives while the first POST is out; its answer is lost, but the prompt got in. */
    @Test
    void aCancelDuringAnAmbiguousPostStopsTheCopyThatGotInInsteadOfForgettingIt() throws Exception {
        fixture(20, ComfyClient.builder().silenceReconcile(Duration.ofSeconds(2)));
        f.fake.scenario().stepsPerSecond("KSampler", 1); // 20 s virtual, 1 s real: still queued or running at the cancel
        f.fake.faults().http(Trigger.onRoute("POST", "/prompt"), Fault.HttpAction.TRUNCATE, 3);
        AtomicReference<PromptHandle> handle = new AtomicReference<>();
        AtomicReference<CompletableFuture<Void>> cancel = new AtomicReference<>();
        // The fault fires as the server takes the POST: the cancel is requested before the engine sees the cut answer.
        f.fake.faults().onFire((fault, detail) -> cancel.set(handle.get().cancel()));
        handle.set(f.client.submit(f.server(), PromptRequest.of(txt2img(301, 20)), null));
        await().atMost(Duration.ofSeconds(10)).until(() -> handle.get() != null && cancel.get() != null);

        PromptResult r = await(handle.get());
        cancel.get().get(30, TimeUnit.SECONDS);

        assertThat(r.outcome()).isEqualTo(Outcome.INTERRUPTED);
        String id = handle.get().promptId();
        assertThat(f.fake.journal().requests("POST", "/prompt")).as("never posted twice").hasSize(1);
        // The copy that got in was stopped on the server: removed from the queue, or interrupted, never run to success.
        await().atMost(Duration.ofSeconds(30)).until(() -> !queueHolds(id));
        JsonNode history = getJson("/history/" + id);
        assertThat(history.path(id).path("status").path("status_str").asText("absent")).isNotEqualTo("success");
    }

    /** Item 2: a 200 with node_errors runs the valid outputs; the outcome is the same however the events race the answer. */
    @Test
    void aPartiallyValidPromptEndsRejectedWithTheValidPartsFilesWhetherItRanOrCameFromTheCache() throws Exception {
        fixture(200, ComfyClient.builder().silenceReconcile(Duration.ofSeconds(2)));
        for (int run = 0; run < 2; run++) { // the second run is fully cached: its events come before the POST answer
            ObjectNode wf = txt2img(302, 4);
            wf.set("20", Json.parseLenient("{\"class_type\": \"SaveImage\", \"inputs\": {\"filename_prefix\": \"bad\"}}"));
            PromptResult r = await(f.client.submit(f.server(), PromptRequest.of(wf), null));

            assertThat(r.outcome()).as("run %d", run).isEqualTo(Outcome.REJECTED);
            assertThat(r.errors()).as("run %d", run).anySatisfy(e -> assertThat(e.nodeId()).isEqualTo("20"));
            assertThat(r.outputs()).as("run %d: the valid output's file", run)
                    .singleElement().satisfies(o -> assertThat(o.nodeId()).isEqualTo("9"));
            assertThat(getJson("/history/" + r.promptId()).path(r.promptId()).path("status").path("status_str").asText())
                    .as("run %d: the valid part ran to its end on the server", run).isEqualTo("success");
        }
    }

    /** Item 4: the connection is shared; each call's polling interval applies to its own prompt. */
    @Test
    void eachPromptKeepsItsOwnPollingIntervalOnASharedConnection() throws Exception {
        fixture(200, ComfyClient.builder().silenceReconcile(Duration.ofSeconds(2)));
        f.fake.scenario().stepsPerSecond("KSampler", 0.5); // 20 steps: 40 s virtual, 0.2 s real
        ServerConfig slow = f.server().withMode(TrackingMode.POLL_ONLY)
                .withPolling(Duration.ofMinutes(10), Duration.ofMinutes(10));
        ServerConfig quick = f.server().withMode(TrackingMode.POLL_ONLY)
                .withPolling(Duration.ofMillis(50), Duration.ofMillis(200));
        PromptHandle first = f.client.submit(slow, PromptRequest.of(txt2img(303, 20)), null);
        PromptHandle second = f.client.submit(quick, PromptRequest.of(txt2img(304, 20)), null);

        // The first caller's 10-minute interval would leave the second prompt unfinished far beyond this bound.
        assertThat(await(second).outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(f.client.servers().connections()).hasSize(1);
        assertThat(first.result()).as("the slow prompt is polled at its own interval").isNotDone();
        first.cancel();
    }

    /** Item 4: resumes from ten "restarts" (ten clientIds) share one connection, which closes once idle. */
    @Test
    void resumingAHundredSnapshotsFromTenRestartsUsesOneConnectionClosedWhenIdle() throws Exception {
        fixture(200, ComfyClient.builder().silenceReconcile(Duration.ofSeconds(2)).idleClose(Duration.ofMillis(300)));
        List<PromptHandle> handles = new ArrayList<>();
        for (int restart = 0; restart < 10; restart++) {
            String clientId = "jenkins-restart-" + restart;
            for (int i = 0; i < 10; i++) {
                PromptSnapshot s = new PromptSnapshot(f.fake.baseUrl(), clientId, UUID.randomUUID().toString(),
                        Deadlines.DEFAULTS, Instant.now(), Instant.now(), null, Set.of("submitted"), Set.of(), List.of());
                handles.add(f.client.resume(s, f.server().withPolling(Duration.ofMillis(50), Duration.ofMillis(100)), null));
            }
            assertThat(f.client.servers().connections()).as("after restart %d", restart).hasSize(1);
        }
        for (PromptHandle h : handles) {
            assertThat(await(h).outcome()).isEqualTo(Outcome.LOST); // the fake never saw them
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> f.client.servers().connections().isEmpty());
        await().atMost(Duration.ofSeconds(10)).until(() -> f.fake.journal().entries(e -> e.kind() == JournalEntry.Kind.WS_CLOSED)
                .size() == f.fake.journal().entries(e -> e.kind() == JournalEntry.Kind.WS_OPEN).size());
        assertThat(f.client.servers().load(f.server())).isEqualTo(new ServerLoad(f.server().baseUrl(), -1, 0, false));
    }

    /** Item 6: a cancel the server never confirmed is reported as such, not as "cancelled". */
    @Test
    void aCancelThatTheServerNeverConfirmedCompletesExceptionally() throws Exception {
        fixture(20, ComfyClient.builder().silenceReconcile(Duration.ofSeconds(2)));
        f.fake.scenario().stepsPerSecond("KSampler", 0.1); // 20 steps: 200 s virtual, 10 s real: ours stays queued
        PromptHandle ahead = f.client.submit(f.server(), PromptRequest.of(txt2img(305, 20)), null);
        await().atMost(Duration.ofSeconds(30)).until(() -> ahead.progress().phase() == PromptPhase.RUNNING);
        PromptHandle ours = f.client.submit(f.server(), PromptRequest.of(txt2img(306, 20)), null);
        await().atMost(Duration.ofSeconds(30)).alias("ours queued behind the running one")
                .until(() -> ours.progress().queuePosition() == 1);
        for (int i = 0; i < 3 * Canceller.ATTEMPTS; i++) { // OkHttp may retry a reset request once by itself
            f.fake.faults().http(Trigger.onRoute("POST", "/queue"), Fault.HttpAction.RESET, null);
        }

        assertThatThrownBy(() -> ours.cancel().get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(CancelNotConfirmedException.class)
                .hasMessageContaining(ours.promptId()).hasMessageContaining("may still be queued or running");
        assertThat(queueHolds(ours.promptId())).isTrue();
        assertThat(ours.result()).isNotDone();
        f.fake.faults().clear();
        ours.cancel().get(30, TimeUnit.SECONDS); // the server answers again: now it is confirmed
        ahead.cancel().get(30, TimeUnit.SECONDS);
        assertThat(await(ours).outcome()).isEqualTo(Outcome.INTERRUPTED);
    }

    /** Item 6: a cancel before anything was sent ends the prompt at once, not at the connect deadline. */
    @Test
    void aCancelBeforeTheServerAnsweredEndsThePromptWithoutWaitingForTheConnectDeadline() throws Exception {
        fixture(200, ComfyClient.builder());
        URI nowhere;
        try (ServerSocket s = new ServerSocket(0)) {
            nowhere = URI.create("http://127.0.0.1:" + s.getLocalPort() + "/");
        }
        PromptHandle h = f.client.submit(ServerConfig.of(nowhere),
                PromptRequest.of(txt2img(307, 4)).withDeadlines(Deadlines.DEFAULTS.withConnect(Duration.ofMinutes(10))), null);
        h.cancel().get(10, TimeUnit.SECONDS);
        PromptResult r = h.result().get(10, TimeUnit.SECONDS);
        assertThat(r.outcome()).isEqualTo(Outcome.INTERRUPTED);
        assertThat(r.firstError()).contains("cancelled before it was submitted");
    }

    /** Item 8: other users' activity costs no /queue; our queue position costs one per change of our own prompts. */
    @Test
    void fiftyForeignPromptsAndTheirStatusBroadcastsCostNoQueueRequests() throws Exception {
        fixture(20, ComfyClient.builder().silenceReconcile(Duration.ofMinutes(5)));
        f.fake.scenario().stepsPerSecond("KSampler", 0.01); // 2000 s virtual, 100 s real: nothing ends meanwhile
        postForeign(txt2img(400, 20)); // running
        PromptHandle ours = f.client.submit(f.server(), PromptRequest.of(txt2img(401, 20)), null);
        await().atMost(Duration.ofSeconds(10)).until(() -> ours.progress().queuePosition() == 1);
        String sid = f.client.servers().connections().get(0).clientId();
        int queueBefore = f.requests("GET", "/queue");
        String padding = "x".repeat(200 * 1024); // a UI workflow in extra_data makes every /queue item this large
        for (int i = 0; i < 50; i++) {
            postForeign(txt2img(500 + i, 20), padding);
            String remaining = "\"queue_remaining\": " + (i + 3); // the running one, ours, i + 1 behind ours
            // each broadcast reached our socket before the next foreign prompt comes
            await().atMost(Duration.ofSeconds(10)).until(() -> !f.fake.journal().entries(e ->
                    e.kind() == JournalEntry.Kind.WS_OUT && sid.equals(e.connection()) && "status".equals(e.type())
                            && e.text() != null && e.text().contains(remaining)).isEmpty());
        }
        assertThat(f.requests("GET", "/queue") - queueBefore).as("GET /queue caused by 50 foreign prompts").isZero();
        assertThat(ours.progress().queuePosition()).isEqualTo(1);
        assertThat(f.client.servers().load(f.server())).satisfies(l -> {
            assertThat(l.queueRemaining()).isEqualTo(52);
            assertThat(l.ourInFlight()).isEqualTo(1);
            assertThat(l.socketConnected()).isTrue();
        });
        ours.cancel().get(30, TimeUnit.SECONDS);
    }

    /** Item 9: the total deadline holds before the server accepted the prompt (here: before it could be reached). */
    @Test
    void theTotalDeadlineEndsAPromptThatNeverReachedTheServer() throws Exception {
        fixture(200, ComfyClient.builder());
        URI nowhere;
        try (ServerSocket s = new ServerSocket(0)) {
            nowhere = URI.create("http://127.0.0.1:" + s.getLocalPort() + "/");
        }
        PromptHandle h = f.client.submit(ServerConfig.of(nowhere), PromptRequest.of(txt2img(308, 4)).withDeadlines(
                Deadlines.DEFAULTS.withConnect(Duration.ofMinutes(10)).withTotal(Duration.ofSeconds(2))), null);
        PromptResult r = h.result().get(30, TimeUnit.SECONDS);
        assertThat(r.outcome()).isEqualTo(Outcome.TIMED_OUT);
        assertThat(r.firstError()).contains("deadline 'total'").contains("never sent");
    }

    /** Item 9: an unknown version is not taken for a new one. */
    @Test
    void anUnknownVersionAssumesNoFeature() {
        assertThat(ServerVersion.atLeast(null, 0, 3, 45)).isEmpty();
        assertThat(ServerVersion.atLeast("nightly", 0, 3, 45)).isEmpty();
        assertThat(ServerVersion.atLeast("v0.3.64", 0, 3, 45)).contains(true);
        assertThat(ServerVersion.atLeast("0.3.44", 0, 3, 45)).contains(false);
        ServerVersion v = new ServerVersion();
        v.learned(null);
        assertThat(v.clientPromptIds()).isEqualTo(ServerVersion.Support.UNKNOWN);
        assertThat(v.targetedInterrupt()).isFalse();
        v.probedFeaturesRoute(true);
        assertThat(v.clientPromptIds()).isEqualTo(ServerVersion.Support.YES);
    }

    /** Item 3: a cached run on a server that chooses its own ids keeps its outputs, whatever beat the answer. */
    @Test
    void aCachedRunOnAnOlderServerEndsWithItsOutputs() throws Exception {
        f = new EngineFixture(FakeComfyUI.builder().timeScale(1000).comfyuiVersion("0.3.44"),
                ComfyClient.builder().silenceReconcile(Duration.ofSeconds(2)));
        for (int run = 0; run < 5; run++) { // run 0 computes, the others are fully cached
            EngineFixture.Recorder rec = new EngineFixture.Recorder();
            PromptResult r = await(f.client.submit(f.server(), PromptRequest.of(txt2img(309, 4)), rec));
            assertThat(r.outcome()).as("run %d", run).isEqualTo(Outcome.SUCCESS);
            assertThat(r.outputs()).as("run %d", run).singleElement().satisfies(o -> assertThat(o.nodeId()).isEqualTo("9"));
            assertThat(rec.of(PromptEvent.OutputProduced.class)).as("run %d", run).hasSize(1);
            rec.assertSingleFinishedLast();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> f.client.servers().connections().get(0).inFlight() == 0);
    }

    // ------------------------------------------------------------------ helpers

    private boolean queueHolds(String id) throws IOException {
        JsonNode q = getJson("/queue");
        for (String part : List.of("queue_running", "queue_pending")) {
            for (JsonNode item : q.path(part)) {
                if (id.equals(item.path(1).asText())) {
                    return true;
                }
            }
        }
        return false;
    }

    private JsonNode getJson(String path) throws IOException {
        try (Response r = foreign.newCall(new Request.Builder().url(f.fake.baseUrl().resolve(path.substring(1)).toString())
                .build()).execute()) {
            return Json.parseLenient(r.body().string());
        }
    }

    private void postForeign(ObjectNode workflow) throws IOException {
        postForeign(workflow, null);
    }

    /** Another user's prompt, posted by another client (never through the engine). */
    private void postForeign(ObjectNode workflow, String uiWorkflow) throws IOException {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.set("prompt", workflow);
        body.put("client_id", "someone-else");
        if (uiWorkflow != null) {
            body.putObject("extra_data").putObject("extra_pnginfo").put("workflow", uiWorkflow);
        }
        try (Response r = foreign.newCall(new Request.Builder().url(f.fake.baseUrl().resolve("prompt").toString())
                .post(RequestBody.create(body.toString(), MediaType.get("application/json"))).build()).execute()) {
            assertThat(r.code()).isEqualTo(200);
        }
    }
}
