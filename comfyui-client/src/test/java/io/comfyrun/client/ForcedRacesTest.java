package io.comfyrun.client;

import io.comfyrun.client.progress.PromptEvent;
import io.comfyrun.client.progress.PromptPhase;
import io.comfyrun.client.tracker.PromptTracker;
import io.comfyrun.client.tracker.ServerMessage;
import io.comfyrun.fake.FakeComfyUI;
import io.comfyrun.fake.journal.JournalEntry;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import static io.comfyrun.client.EngineFixture.await;
import static io.comfyrun.client.EngineFixture.txt2img;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 13 items 3 and 7, each with its race forced rather than hoped for: a test holds one engine thread at a
 * {@link RacePoints} seam (latches and conditions with deadlines, no sleeps) so the other thread's step lands exactly
 * in the window the defect needed. Each failed before its fix (a9ccc51), seen with the seam ported to a9ccc51^ or
 * with only the fix lines taken out of the current code: a cached run with no outputs (or its output announced twice),
 * the ended prompt still followed under the server's id, a deaf verdict, and a prompt that never ended.
 */
class ForcedRacesTest {

    private static final Duration HOLD = Duration.ofSeconds(20);

    EngineFixture f;
    final OkHttpClient http = new OkHttpClient.Builder().readTimeout(10, TimeUnit.SECONDS).build();

    @AfterEach
    void tearDown() {
        if (f != null) {
            f.close();
        }
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
    }

    /**
     * Item 3, first half: on a server that chooses prompt ids (older than 0.3.45), a fully cached run's events beat
     * the POST answer and are buffered; the answer renames the prompt and replays them. The frame after them
     * ({@code execution_success}) is held on the reader thread until the rename is done, then let go while the replay
     * has not run yet. Before the fix it reached the tracker first: SUCCESS with no outputs.
     */
    @Test
    void aFrameArrivingBetweenTheRenameAndTheReplayOfAServerChosenIdWaitsForTheBufferedEvents() throws Exception {
        f = new EngineFixture(FakeComfyUI.builder().timeScale(1000).comfyuiVersion("0.3.44"), ComfyClient.builder());
        ServerConnection conn = f.client.servers().connection(f.server());
        assertThat(await(f.client.submit(f.server(), PromptRequest.of(txt2img(309, 4)), new EngineFixture.Recorder()))
                .outcome()).as("the first run computes, so the next one is fully cached").isEqualTo(Outcome.SUCCESS);

        CountDownLatch successHeld = new CountDownLatch(1);
        CountDownLatch renamed = new CountDownLatch(1);
        AtomicReference<Thread> reader = new AtomicReference<>();
        conn.racePoints = new RacePoints() {
            @Override
            public void beforeDelivery(ServerMessage m) {
                if (m instanceof ServerMessage.ExecutionSuccess && reader.compareAndSet(null, Thread.currentThread())) {
                    successHeld.countDown(); // every earlier frame of the run was dispatched (buffered) before this one
                    hold(renamed, "the adoption's rename");
                }
            }

            @Override
            public void adopting(FollowedPrompt p, boolean isRenamed) {
                if (!isRenamed) {
                    hold(successHeld, "execution_success at the reader");
                    return;
                }
                renamed.countDown();
                Thread adopter = Thread.currentThread(); // the condition below is polled on another thread
                // The held frame goes on now. Wait until it reached the tracker (the unlocked path of old) or its thread
                // waits for the lock this adoption holds (the fix); only then may the replay run.
                until(() -> p.tracker().endHeard() || p.tracker().isDone() || blockedOn(reader.get(), adopter),
                        "execution_success delivered, or its reader waiting for the adoption");
            }
        };
        EngineFixture.Recorder rec = new EngineFixture.Recorder();
        PromptResult r = await(f.client.submit(f.server(), PromptRequest.of(txt2img(309, 4)), rec));

        assertThat(successHeld.getCount()).as("the race was forced: execution_success was held").isZero();
        assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(r.outputs()).as("outputs of the cached run").singleElement()
                .satisfies(o -> assertThat(o.nodeId()).isEqualTo("9"));
        assertThat(rec.of(PromptEvent.OutputProduced.class)).hasSize(1);
        rec.assertSingleFinishedLast();
    }

    /**
     * Item 3, second half: the prompt ends (its total deadline) while its POST is out; the answer then names the
     * server's id. Before the fix the ended prompt was put back under that id and never removed: the connection kept
     * one prompt in flight, and its maintenance running, for ever.
     */
    @Test
    void aPromptThatEndedWhileItsPostWasOutIsNotPutBackUnderTheServersId() throws Exception {
        f = new EngineFixture(FakeComfyUI.builder().timeScale(1000).comfyuiVersion("0.3.44"), ComfyClient.builder());
        ServerConnection conn = f.client.servers().connection(f.server());
        CountDownLatch adopted = new CountDownLatch(1);
        conn.racePoints = new RacePoints() {
            @Override
            public void aboutToPost(FollowedPrompt p) {
                until(() -> p.tracker().isDone(), "the prompt's total deadline"); // the POST is still sent after this
            }

            @Override
            public void adopting(FollowedPrompt p, boolean isRenamed) {
                if (isRenamed) {
                    adopted.countDown();
                }
            }
        };
        PromptHandle h = f.client.submit(f.server(), PromptRequest.of(txt2img(41, 4))
                .withDeadlines(Deadlines.NONE.withTotal(Duration.ofSeconds(1))), new EngineFixture.Recorder());
        assertThat(await(h).outcome()).isEqualTo(Outcome.TIMED_OUT);
        assertThat(adopted.await(HOLD.toSeconds(), TimeUnit.SECONDS)).as("the POST answer named the server's id").isTrue();

        assertThat(conn.inFlight()).as("prompts followed after the ended prompt's id was adopted").isZero();
        assertThat(conn.prompt(h.promptId())).as("the ended prompt under the server's id " + h.promptId()).isNull();
    }

    /**
     * Item 7, first half: a prompt heard {@code execution_success} after a gap on the socket, so it only waits for its
     * history entry (that round is held here). A silence round then finds it in the history. Before the fix that was
     * taken as proof of a deaf socket: the clientId was rotated and every prompt moved to polling.
     */
    @Test
    void aSilenceRoundThatFindsAPromptWhichHeardItsEndDoesNotCallTheSocketDeaf() throws Exception {
        f = new EngineFixture(FakeComfyUI.builder().timeScale(1000), ComfyClient.builder());
        ServerConnection conn = f.client.servers().connection(f.server());
        CountDownLatch successHeld = new CountDownLatch(1);
        CountDownLatch gapMade = new CountDownLatch(1);
        CountDownLatch roundsReleased = new CountDownLatch(1);
        AtomicBoolean held = new AtomicBoolean();
        conn.racePoints = new RacePoints() {
            @Override
            public void beforeDelivery(ServerMessage m) {
                if (m instanceof ServerMessage.ExecutionSuccess && held.compareAndSet(false, true)) {
                    successHeld.countDown();
                    hold(gapMade, "the socket being re-opened");
                }
            }

            @Override
            public void roundStarting(Reconciler.Round why) {
                if (why != Reconciler.Round.SILENCE && gapMade.getCount() == 0) {
                    hold(roundsReleased, "the end of the test's silence round"); // end-marker and reconnect rounds wait
                }
            }
        };
        PromptHandle h = f.client.submit(f.server(), PromptRequest.of(txt2img(77, 4)), new EngineFixture.Recorder());
        PromptTracker t = (PromptTracker) h;
        String clientId = conn.clientId();
        try {
            assertThat(successHeld.await(HOLD.toSeconds(), TimeUnit.SECONDS)).as("execution_success at the reader").isTrue();
            conn.session().resubscribe(); // as after a suspicion: events in between may be missed (a gap)
            gapMade.countDown();
            await().atMost(HOLD).until(() -> t.endHeard() && conn.state() == ConnectionState.OPEN
                    && historyHolds(h.promptId()));
            assertThat(t.phase()).as("the prompt heard its end and waits for its history entry").isEqualTo(PromptPhase.RUNNING);

            conn.reconciler().reconcile(conn.prompts(), Reconciler.Round.SILENCE);

            assertThat(conn.deafRotations()).as("deaf-socket verdicts").isZero();
            assertThat(conn.clientId()).isEqualTo(clientId);
            assertThat(conn.state()).isEqualTo(ConnectionState.OPEN);
        } finally {
            roundsReleased.countDown();
        }
        PromptResult r = await(h);
        assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(r.outputs()).singleElement().satisfies(o -> assertThat(o.nodeId()).isEqualTo("9"));
    }

    /**
     * Item 7, second half: the clientId is rotated (a deaf verdict) after a POST took the old one and before the server
     * got it, and the server has dropped the old socket: the prompt's events go nowhere we listen. Before the fix it
     * kept the dead clientId and was never polled; it must be followed by polling to its end.
     */
    @Test
    void aPromptPostedWithAClientIdRotatedAwayMeanwhileIsFollowedByPolling() throws Exception {
        f = new EngineFixture(FakeComfyUI.builder().timeScale(1000),
                ComfyClient.builder().silenceReconcile(Duration.ofHours(1))); // only polling can follow it, not a silence round
        ServerConnection conn = f.client.servers().connection(f.server());
        String oldId = conn.clientId();
        AtomicBoolean rotated = new AtomicBoolean();
        conn.racePoints = new RacePoints() {
            @Override
            public void aboutToPost(FollowedPrompt p) {
                if (rotated.compareAndSet(false, true)) {
                    conn.session().rotateClientId("forced by the test while a POST was going out");
                    until(() -> !f.fake.journal().entries(e -> e.kind() == JournalEntry.Kind.WS_CLOSED
                            && oldId.equals(e.connection())).isEmpty(), "the server dropping the old clientId's socket");
                }
            }
        };
        PromptHandle h = f.client.submit(f.server(), PromptRequest.of(txt2img(88, 4)), new EngineFixture.Recorder());
        await().alias("the prompt's end (its events go to the dead clientId: only polling can follow it)").atMost(HOLD)
                .until(() -> h.result().isDone());

        PromptResult r = h.result().get();
        assertThat(rotated).as("the rotation happened while the POST was going out").isTrue();
        assertThat(conn.clientId()).isNotEqualTo(oldId);
        assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(r.method()).as("followed by polling after the rotation").isIn(TrackingMethod.POLLING, TrackingMethod.MIXED);
        assertThat(r.outputs()).singleElement().satisfies(o -> assertThat(o.nodeId()).isEqualTo("9"));
    }

    // ------------------------------------------------------------------ helpers

    private static void hold(CountDownLatch latch, String what) {
        try {
            if (!latch.await(HOLD.toSeconds(), TimeUnit.SECONDS)) {
                throw new IllegalStateException("test seam: waited " + HOLD + " for " + what);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("test seam interrupted waiting for " + what, e);
        }
    }

    private static void until(BooleanSupplier condition, String what) {
        await().alias(what).atMost(HOLD).pollInterval(Duration.ofMillis(2)).until(condition::getAsBoolean);
    }

    /** Whether {@code waiter} is blocked entering a monitor that {@code owner} holds. */
    private static boolean blockedOn(Thread waiter, Thread owner) {
        ThreadInfo ti = ManagementFactory.getThreadMXBean().getThreadInfo(waiter.getId());
        return ti != null && ti.getThreadState() == Thread.State.BLOCKED && ti.getLockOwnerId() == owner.getId();
    }

    private boolean historyHolds(String promptId) throws IOException {
        try (Response r = http.newCall(new Request.Builder()
                .url(f.fake.baseUrl().resolve("history/" + promptId).toString()).build()).execute()) {
            return r.body().string().contains(promptId);
        }
    }
}
