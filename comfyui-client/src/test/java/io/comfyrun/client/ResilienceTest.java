package io.comfyrun.client;

import io.comfyrun.client.progress.PromptEvent;
import io.comfyrun.client.progress.PromptPhase;
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

/** Drops, refusals, silence, restarts, cancels and deadlines, against the fake over real sockets. */
class ResilienceTest {

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

    @Test
    void socketDroppedMidRunWithReconnectsRefusedForTwoSecondsStillSucceeds() throws Exception {
        fixture(20);
        f.fake.scenario().stepsPerSecond("KSampler", 0.15); // 20 steps: 133 s virtual, 6.7 s real: outlives the refusal
        // RST on the 3rd progress frame; upgrades refused for 2 s real (40 s virtual at scale 20).
        f.fake.faults().wsDrop(Trigger.onEvent("progress", 3), Fault.WsAction.RST, 40_000);
        EngineFixture.Recorder rec = new EngineFixture.Recorder();
        PromptHandle h = f.client.submit(f.server(), PromptRequest.of(txt2img(21, 20)), rec);
        PromptResult r = await(h);

        assertThat(f.fake.journal().faults()).as("the RST fault fired").isNotEmpty();
        assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(r.method()).isEqualTo(TrackingMethod.MIXED);
        assertThat(r.outputs()).hasSize(1);
        rec.assertSingleFinishedLast();
        assertThat(f.requests("POST", "/prompt")).isEqualTo(1);
        // The fake refused the reconnects for a while, then accepted one while the prompt still ran.
        List<io.comfyrun.fake.journal.JournalEntry> journal = f.fake.journal().entries();
        long lastRefused = journal.stream().filter(e -> e.kind() == io.comfyrun.fake.journal.JournalEntry.Kind.HTTP_RESPONSE
                && "upgrade refused".equals(e.text())).mapToLong(io.comfyrun.fake.journal.JournalEntry::seq).max().orElse(-1);
        assertThat(lastRefused).as("refused upgrades in the journal").isPositive();
        assertThat(journal).anySatisfy(e -> {
            assertThat(e.kind()).isEqualTo(io.comfyrun.fake.journal.JournalEntry.Kind.WS_OPEN);
            assertThat(e.seq()).isGreaterThan(lastRefused);
        });
        // One "lost", then one "restored" with how long it was down, then tracking back on the socket.
        assertThat(rec.kinds()).containsSubsequence("ConnectionLost", "ConnectionRestored", "Finished");
        assertThat(rec.of(PromptEvent.ConnectionLost.class)).hasSize(1);
        assertThat(rec.of(PromptEvent.ConnectionRestored.class)).singleElement()
                .satisfies(e -> assertThat(e.downFor()).isPositive());
        assertThat(rec.of(PromptEvent.TrackingChanged.class)).extracting(PromptEvent.TrackingChanged::method)
                .containsExactly(TrackingMethod.POLLING, TrackingMethod.WEBSOCKET);
        assertThat(f.client.servers().connections().get(0).reconnects()).isEqualTo(1);
    }

    @Test
    void dropWhileRunningReconnectsAndReportsRestored() throws Exception {
        fixture(20);
        f.fake.scenario().stepsPerSecond("KSampler", 1); // 20 steps: 20 s virtual, 1 s real
        f.fake.faults().wsDrop(Trigger.onEvent("progress", 2), Fault.WsAction.FIN, 2_000); // 100 ms real
        EngineFixture.Recorder rec = new EngineFixture.Recorder();
        PromptResult r = await(f.client.submit(f.server(), PromptRequest.of(txt2img(22, 20)), rec));
        assertFaultsFired();

        assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(r.method()).isEqualTo(TrackingMethod.MIXED);
        assertThat(rec.of(PromptEvent.ConnectionLost.class)).hasSize(1);
        assertThat(rec.of(PromptEvent.ConnectionRestored.class)).hasSize(1);
        assertThat(f.client.servers().connections().get(0).reconnects()).isEqualTo(1);
    }

    /**
     * Five silent minutes in 3 s real (scale 100), with the engine's silence reconcile every 300 ms and pings every
     * 200 ms: the silence outlasts both many times over, and is still no reason to fail or abandon the socket.
     */
    @Test
    void silentFiveMinuteNodeIsNormalNotATimeout() throws Exception {
        f = new EngineFixture(100, ComfyClient.builder().silenceReconcile(Duration.ofMillis(300)));
        f.fake.scenario().nodeDuration("VAEDecode", Duration.ofMinutes(5)); // 3 s real, no frames at all
        ServerConfig server = f.server().withTimeouts(Timeouts.DEFAULTS.withPing(Duration.ofMillis(200)));
        EngineFixture.Recorder rec = new EngineFixture.Recorder();
        PromptResult r = await(f.client.submit(server, PromptRequest.of(txt2img(23, 4))
                .withDeadlines(Deadlines.DEFAULTS.withNoSignal(Duration.ofSeconds(20))), rec));

        assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(r.method()).isEqualTo(TrackingMethod.WEBSOCKET);
        assertThat(r.nodes()).filteredOn(n -> n.id().equals("8")).singleElement()
                .satisfies(n -> assertThat(n.millis()).isGreaterThan(1_000)); // the silence really happened
        ServerConnection conn = f.client.servers().connections().get(0);
        assertThat(conn.reconnects()).isZero();
        assertThat(conn.deafRotations()).isZero();
        assertThat(rec.of(PromptEvent.ConnectionLost.class)).isEmpty();
        assertThat(rec.of(PromptEvent.TrackingChanged.class)).isEmpty();
    }

    @Test
    void silentFiveMinuteNodeIsNormalWhenPollingToo() throws Exception {
        f = new EngineFixture(100, ComfyClient.builder().silenceReconcile(Duration.ofMillis(300)));
        f.fake.scenario().nodeDuration("VAEDecode", Duration.ofMinutes(5));
        PromptResult r = await(f.client.submit(f.polling(), PromptRequest.of(txt2img(24, 4))
                .withDeadlines(Deadlines.DEFAULTS.withNoSignal(Duration.ofSeconds(20))), null));

        assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(r.method()).isEqualTo(TrackingMethod.POLLING);
        // Polling sees no per-node timings; the whole prompt lasted at least the silence (3 s real).
        assertThat(r.duration()).isGreaterThan(Duration.ofSeconds(2));
    }

    @Test
    void serverRestartThatLosesThePromptEndsAsLostNotAHang() throws Exception {
        fixture(20);
        f.fake.scenario().nodeDuration("VAEDecode", Duration.ofMinutes(10)); // long enough to restart under it
        EngineFixture.Recorder rec = new EngineFixture.Recorder();
        PromptHandle h = f.client.submit(f.server(), PromptRequest.of(txt2img(24, 4)), rec);
        await().atMost(Duration.ofSeconds(20)).until(() -> rec.of(PromptEvent.NodeStarted.class).stream()
                .anyMatch(e -> e.node().id().equals("8")));
        f.fake.restart();
        PromptResult r = await(h);

        assertThat(r.outcome()).isEqualTo(Outcome.LOST);
        assertThat(r.errors()).singleElement().satisfies(e -> assertThat(e.message()).contains("neither queued"));
    }

    @Test
    void cancelWhileRunningInterruptsOnlyOurPromptWithATargetedInterrupt() throws Exception {
        fixture(20);
        f.fake.scenario().stepsPerSecond("KSampler", 0.5); // 20 steps: 40 s virtual, 2 s real
        EngineFixture.Recorder rec = new EngineFixture.Recorder();
        PromptHandle h = f.client.submit(f.server(), PromptRequest.of(txt2img(25, 20)), rec);
        await().atMost(Duration.ofSeconds(20)).until(() -> !rec.of(PromptEvent.StepProgress.class).isEmpty());
        h.cancel().get(10, java.util.concurrent.TimeUnit.SECONDS);
        PromptResult r = await(h);

        assertThat(r.outcome()).isEqualTo(Outcome.INTERRUPTED);
        assertThat(r.errors()).singleElement().satisfies(e -> assertThat(e.message()).contains("cancelled by this client"));
        assertThat(f.fake.journal().requests("POST", "/interrupt")).singleElement()
                .satisfies(e -> assertThat(e.text()).contains(h.promptId()));
    }

    @Test
    void cancelWhileQueuedDeletesItFromTheQueueAndLeavesTheOtherPromptAlone() throws Exception {
        fixture(20);
        f.fake.scenario().stepsPerSecond("KSampler", 0.1); // 10 s real: stays running while we cancel the second
        PromptHandle first = f.client.submit(f.server(), PromptRequest.of(txt2img(26, 20)), null);
        // Submissions are asynchronous: let the first one be accepted so it is the one running.
        await().atMost(Duration.ofSeconds(10)).until(() -> first.progress().phase() == PromptPhase.RUNNING);
        EngineFixture.Recorder rec = new EngineFixture.Recorder();
        PromptHandle second = f.client.submit(f.server(), PromptRequest.of(txt2img(27, 20)), rec);
        try {
            await().atMost(Duration.ofSeconds(8)).until(() -> !rec.of(PromptEvent.Queued.class).isEmpty());
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            System.err.println("DIAG " + second.progress().phase() + " " + first.progress().phase() + " events " + rec.kinds()
                    + " queueGets " + f.requests("GET", "/queue") + " conn " + f.client.servers().connections());
            throw e;
        }
        assertThat(rec.of(PromptEvent.Queued.class).get(0).position()).isEqualTo(1);
        second.cancel().get(10, java.util.concurrent.TimeUnit.SECONDS);

        assertThat(await(second).outcome()).isEqualTo(Outcome.INTERRUPTED);
        assertThat(first.result()).isNotDone();
        assertThat(first.progress().phase()).isEqualTo(PromptPhase.RUNNING);
        assertThat(f.requests("POST", "/interrupt")).isZero();
        assertThat(f.fake.journal().requests("POST", "/queue")).singleElement()
                .satisfies(e -> assertThat(e.text()).contains(second.promptId()));
    }

    @Test
    void runningDeadlineTimesOutAndCancelsOnTheServer() throws Exception {
        fixture(20);
        f.fake.scenario().stepsPerSecond("KSampler", 0.2); // 100 s virtual, 5 s real
        PromptHandle h = f.client.submit(f.server(), PromptRequest.of(txt2img(28, 20))
                .withDeadlines(Deadlines.DEFAULTS.withRunning(Duration.ofMillis(500))), null);
        PromptResult r = await(h);

        assertThat(r.outcome()).isEqualTo(Outcome.TIMED_OUT);
        assertThat(r.errors()).singleElement().satisfies(e -> assertThat(e.message()).contains("deadline 'running'"));
        await().atMost(Duration.ofSeconds(10)).until(() -> f.requests("POST", "/interrupt") == 1);
    }

    @Test
    void unreachableServerEndsAsUnreachableWithinTheConnectDeadline() throws Exception {
        fixture(200);
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        ServerConfig nowhere = ServerConfig.of("http://127.0.0.1:" + port);
        PromptResult r = await(f.client.submit(nowhere, PromptRequest.of(txt2img(29, 4))
                .withDeadlines(Deadlines.DEFAULTS.withConnect(Duration.ofMillis(800))), null));

        assertThat(r.outcome()).isEqualTo(Outcome.UNREACHABLE);
        assertThat(r.errors()).singleElement().satisfies(e -> assertThat(e.message())
                .contains("127.0.0.1:" + port).contains("deadline 'connect'"));
    }

    @Test
    void resumeReattachesWithoutResubmitting() throws Exception {
        fixture(20);
        f.fake.scenario().stepsPerSecond("KSampler", 2); // 10 s virtual, 0.5 s real
        List<PromptSnapshot> persisted = new ArrayList<>();
        ComfyClient first = ComfyClient.create();
        PromptHandle h = first.submit(f.server().withClientId("jenkins-1"), PromptRequest.of(txt2img(30, 20))
                .withBeforeSubmit(persisted::add), null);
        assertThat(persisted).singleElement().satisfies(s -> assertThat(s.promptId()).isEqualTo(h.promptId()));
        await().atMost(Duration.ofSeconds(10)).until(() -> h.progress().phase() == PromptPhase.RUNNING);
        first.close(); // the "controller restart"

        EngineFixture.Recorder rec = new EngineFixture.Recorder();
        PromptHandle resumed = f.client.resume(roundTrip(persisted.get(0)), f.server(), rec);
        PromptResult r = await(resumed);

        assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(r.promptId()).isEqualTo(h.promptId());
        assertThat(r.outputs()).hasSize(1);
        assertThat(f.requests("POST", "/prompt")).isEqualTo(1);
    }

    @Test
    void aResumedPromptNamesItsNodesByClassAndTitleAlthoughTheWorkflowWasNotPersisted() throws Exception {
        fixture(20);
        f.fake.scenario().stepsPerSecond("KSampler", 0.5); // 40 s virtual, 2 s real: still sampling after the restart
        Persisting first = new Persisting();
        ComfyClient before = ComfyClient.create();
        ServerConfig server = f.server().withClientId("jenkins-6");
        PromptHandle h = before.submit(server, PromptRequest.of(txt2img(35, 20)), first);
        await().atMost(Duration.ofSeconds(20)).until(() -> first.latest.get() != null
                && first.latest.get().startedAt() != null);
        PromptSnapshot mid = roundTrip(first.latest.get());
        before.close(); // the "controller restart", the prompt still sampling on the server
        assertThat(mid.nodes()).as("7 nodes, titles only where they differ from the class").hasSize(7)
                .contains("3\tKSampler\tMy Sampler", "9\tSaveImage");
        assertThat(PromptSnapshots.toJson(mid).length()).as("the snapshot stays small").isLessThan(1024);

        List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
        io.comfyrun.client.progress.log.ProgressLog log = io.comfyrun.client.progress.log.ProgressLog.builder(lines::add).build();
        PromptHandle resumed = f.client.resume(mid, server, log);
        PromptResult r = await(resumed);

        assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(f.requests("POST", "/prompt")).isEqualTo(1);
        assertThat(lines).as("progress lines after the resume").anySatisfy(l -> assertThat(l)
                .startsWith("[ComfyUI] node 3 KSampler \"My Sampler\": "));
        assertThat(lines).noneSatisfy(l -> assertThat(l).containsPattern("node \\d+:"));
        assertThat(r.nodes()).anySatisfy(n -> {
            assertThat(n.id()).isEqualTo("9");
            assertThat(n.classType()).isEqualTo("SaveImage");
        });
    }

    /** Keeps the latest snapshot the engine handed out, as a durable shell (the Jenkins step) does. */
    static final class Persisting implements io.comfyrun.client.progress.ProgressListener {
        final java.util.concurrent.atomic.AtomicReference<PromptSnapshot> latest = new java.util.concurrent.atomic.AtomicReference<>();

        @Override
        public void onEvent(PromptEvent event) {
        }

        @Override
        public void onSnapshot(PromptSnapshot snapshot) {
            latest.set(snapshot);
        }
    }

    @Test
    void resumeFromASnapshotTakenMidRunKeepsTheRunningDeadlineAbsolute() throws Exception {
        fixture(20);
        f.fake.scenario().stepsPerSecond("KSampler", 0.1); // 200 s virtual, 10 s real: would outlive the deadline
        Duration running = Duration.ofSeconds(2);
        Persisting first = new Persisting();
        ComfyClient before = ComfyClient.create();
        PromptHandle h = before.submit(f.server().withClientId("jenkins-3"), PromptRequest.of(txt2img(31, 20))
                .withDeadlines(Deadlines.DEFAULTS.withRunning(running)), first);
        await().atMost(Duration.ofSeconds(20)).until(() -> first.latest.get() != null
                && first.latest.get().startedAt() != null);
        PromptSnapshot mid = roundTrip(first.latest.get());
        before.close(); // the "controller restart", the prompt still sampling on the server
        assertThat(mid.submittedAt()).isNotNull();
        assertThat(mid.logged()).contains("submitted", "started");
        // Resume only once the original running deadline has passed: it must fire at once, not start over.
        await().atMost(Duration.ofSeconds(20)).until(() -> java.time.Instant.now().isAfter(mid.startedAt().plus(running)));

        EngineFixture.Recorder rec = new EngineFixture.Recorder();
        PromptHandle resumed = f.client.resume(mid, f.server(), rec);
        assertThat(resumed.snapshot().startedAt()).isEqualTo(mid.startedAt());
        PromptResult r = await(resumed);

        assertThat(r.outcome()).isEqualTo(Outcome.TIMED_OUT);
        assertThat(r.errors()).singleElement().satisfies(e -> assertThat(e.message()).contains("deadline 'running'"));
        assertThat(rec.of(PromptEvent.Submitted.class)).isEmpty(); // printed before the restart
        assertThat(rec.of(PromptEvent.Started.class)).isEmpty();
        await().atMost(Duration.ofSeconds(10)).until(() -> f.fake.journal().requests("POST", "/interrupt").stream()
                .anyMatch(e -> e.text().contains(h.promptId())));
        assertThat(f.requests("POST", "/prompt")).isEqualTo(1);
    }

    /**
     * A cancel right after a resume, while the new connection's health check is still out: the version is not known
     * yet, and a global interrupt would stop whatever runs by then. The cancel learns the version first and sends the
     * interrupt that names our prompt.
     */
    @Test
    void aCancelBeforeTheHealthCheckAnsweredStillInterruptsOnlyOurPrompt() throws Exception {
        fixture(20);
        f.fake.scenario().stepsPerSecond("KSampler", 0.1);
        Persisting first = new Persisting();
        ComfyClient before = ComfyClient.create();
        PromptHandle h = before.submit(f.server().withClientId("jenkins-5"), PromptRequest.of(txt2img(34, 20)), first);
        await().atMost(Duration.ofSeconds(20)).until(() -> first.latest.get() != null
                && first.latest.get().startedAt() != null);
        PromptSnapshot mid = roundTrip(first.latest.get());
        before.close();
        var held = f.fake.faults().httpDelay(Trigger.onRoute("GET", "/system_stats"), 1e9); // the first one only
        try (ComfyClient after = ComfyClient.create()) {
            PromptHandle resumed = after.resume(mid, f.server(), null);
            await().atMost(Duration.ofSeconds(20)).until(() -> held.fired() == 1); // the restarted engine's health check
            resumed.cancel().get(20, java.util.concurrent.TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(20)).until(() -> !f.fake.journal().requests("POST", "/interrupt").isEmpty());
            assertThat(f.fake.journal().requests("POST", "/interrupt")).singleElement()
                    .satisfies(e -> assertThat(e.text()).contains(h.promptId()));
            assertThat(await(resumed).outcome()).isEqualTo(Outcome.INTERRUPTED);
        }
    }

    @Test
    void resumeFromASnapshotTakenBeforeSubmitKeepsTheQueuedDeadlineAbsolute() throws Exception {
        fixture(20);
        f.fake.scenario().stepsPerSecond("KSampler", 0.1); // the first prompt holds the server for 10 s real
        PromptHandle blocker = f.client.submit(f.server(), PromptRequest.of(txt2img(32, 20)), null);
        await().atMost(Duration.ofSeconds(10)).until(() -> blocker.progress().phase() == PromptPhase.RUNNING);
        List<PromptSnapshot> persisted = new ArrayList<>();
        Duration queued = Duration.ofSeconds(1);
        ComfyClient before = ComfyClient.create();
        PromptHandle waiting = before.submit(f.server().withClientId("jenkins-4"), PromptRequest.of(txt2img(33, 20))
                .withDeadlines(Deadlines.DEFAULTS.withQueued(queued)).withBeforeSubmit(persisted::add), null);
        await().atMost(Duration.ofSeconds(10)).until(() -> waiting.progress().phase() == PromptPhase.QUEUED
                && waiting.progress().queuePosition() > 0);
        before.close();
        PromptSnapshot s = roundTrip(persisted.get(0));
        assertThat(s.submittedAt()).isNull(); // only the before-submit snapshot was persisted
        await().atMost(Duration.ofSeconds(20)).until(() -> java.time.Instant.now().isAfter(s.createdAt().plus(queued)));

        PromptResult r = await(f.client.resume(s, f.server(), null));
        assertThat(r.outcome()).isEqualTo(Outcome.TIMED_OUT);
        assertThat(r.errors()).singleElement().satisfies(e -> assertThat(e.message()).contains("deadline 'queued'"));
        // Cancelled on the server: deleted from the queue, the running prompt left alone.
        await().atMost(Duration.ofSeconds(10)).until(() -> f.fake.journal().requests("POST", "/queue").stream()
                .anyMatch(e -> e.text().contains(waiting.promptId())));
        assertThat(blocker.result()).isNotDone();
    }

    @Test
    void resumeAfterTheOutputsWereDownloadedDoesNotDownloadThemAgain(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        fixture(200);
        Persisting first = new Persisting();
        ComfyClient before = ComfyClient.create();
        PromptHandle h = before.submit(f.server().withClientId("jenkins-5"), PromptRequest.of(txt2img(34, 4)), first);
        PromptResult done = await(h);
        assertThat(done.outputs()).hasSize(1);
        io.comfyrun.client.files.OutputDownloader downloader = io.comfyrun.client.files.OutputDownloader.defaults();
        io.comfyrun.client.files.LocalDirectorySink sink = new io.comfyrun.client.files.LocalDirectorySink(dir);
        assertThat(downloader.downloadAll(before.http(f.server()), h, done.outputs(), sink))
                .singleElement().satisfies(d -> assertThat(d.ok()).isTrue());
        await().atMost(Duration.ofSeconds(10)).until(() -> first.latest.get() != null
                && !first.latest.get().downloaded().isEmpty());
        PromptSnapshot s = roundTrip(first.latest.get());
        before.close(); // "restart" between saving the outputs and ending the step
        assertThat(f.requests("GET", "/view")).isEqualTo(1);

        EngineFixture.Recorder rec = new EngineFixture.Recorder();
        PromptHandle resumed = f.client.resume(s, f.server(), rec);
        PromptResult r = await(resumed);
        assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(r.outputs()).hasSize(1);
        assertThat(downloader.downloadAll(f.client.http(f.server()), resumed, r.outputs(), sink)).isEmpty();
        assertThat(f.requests("GET", "/view")).isEqualTo(1);
        // What was logged before the restart is not logged again: only the final result is new.
        assertThat(rec.kinds()).containsExactly("Finished");
    }

    @Test
    void resumeOfAPromptTheServerNeverHadIsLostNotResubmitted() throws Exception {
        fixture(200);
        PromptSnapshot ghost = new PromptSnapshot(f.fake.baseUrl(), "jenkins-2", java.util.UUID.randomUUID().toString(),
                Deadlines.DEFAULTS, java.time.Instant.now(), null, null, null, null);
        PromptResult r = await(f.client.resume(ghost, f.server(), null));
        assertThat(r.outcome()).isEqualTo(Outcome.LOST);
        assertThat(f.requests("POST", "/prompt")).isZero();
    }

    /** A fault that did not fire means the test proved nothing: fail, never skip. */
    private void assertFaultsFired() {
        assertThat(f.fake.journal().faults()).as("the fake server fired the WebSocket fault").isNotEmpty();
    }

    private static PromptSnapshot roundTrip(PromptSnapshot s) throws Exception {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
            out.writeObject(s);
        }
        assertThat(bytes.size()).isLessThan(2048);
        try (java.io.ObjectInputStream in = new java.io.ObjectInputStream(
                new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
            return (PromptSnapshot) in.readObject();
        }
    }
}
