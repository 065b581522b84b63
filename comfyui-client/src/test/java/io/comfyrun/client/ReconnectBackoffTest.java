package io.comfyrun.client;

import io.comfyrun.client.progress.ProgressListener;
import io.comfyrun.client.tracker.PromptTracker;
import io.comfyrun.client.tracker.WorkflowNodes;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/** The reconnect back-off never sleeps past the earliest deadline of the prompts waiting for the socket. */
class ReconnectBackoffTest {

    static final Instant NOW = Instant.parse("2026-01-01T10:00:00Z");

    @Test
    void delayIsClippedToTheEarliestDeadline() {
        assertThat(Backoff.clipToDeadline(800, NOW, null)).isEqualTo(800);
        assertThat(Backoff.clipToDeadline(800, NOW, NOW.plusMillis(5_000))).isEqualTo(800);
        assertThat(Backoff.clipToDeadline(800, NOW, NOW.plusMillis(300))).isEqualTo(300);
        assertThat(Backoff.clipToDeadline(800, NOW, NOW.minusMillis(10))).isEqualTo(1);
    }

    @Test
    void aSocketThatNeverUpgradesIsRetriedQuicklyAFewTimesThenEveryTensOfSeconds() {
        Duration cap = Duration.ofMillis(800);
        Duration whilePolling = Duration.ofSeconds(30);
        assertThat(Backoff.reconnectCeiling(0, cap, whilePolling)).isEqualTo(100);
        assertThat(Backoff.reconnectCeiling(3, cap, whilePolling)).isEqualTo(800);
        assertThat(Backoff.reconnectCeiling(Backoff.FAST_RECONNECTS - 1, cap, whilePolling)).isEqualTo(800);
        assertThat(Backoff.reconnectCeiling(Backoff.FAST_RECONNECTS + 2, cap, whilePolling)).isGreaterThan(5_000);
        assertThat(Backoff.reconnectCeiling(Backoff.FAST_RECONNECTS + 10, cap, whilePolling)).isEqualTo(30_000);
        long total = 0;
        for (int attempt = 0; attempt < 60; attempt++) {
            total += Backoff.reconnectCeiling(attempt, cap, whilePolling);
        }
        // 60 attempts span at least 20 minutes (ceilings): a few a minute, not 1-5 a second
        assertThat(total).isGreaterThan(Duration.ofMinutes(20).toMillis());
    }

    @Test
    void aPromptsNextDeadlineFollowsItsPhase() {
        Deadlines d = new Deadlines(Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofSeconds(5),
                Duration.ofSeconds(7), Duration.ofMinutes(30), Duration.ofHours(1));
        Instant created = Instant.now();
        PromptTracker t = new PromptTracker("6f1b2a3c-0000-4000-8000-000000000001", "c1", URI.create("http://gpu-1:8188/"),
                WorkflowNodes.empty(), d, created, TrackingMethod.WEBSOCKET, ProgressListener.NONE, Runnable::run,
                x -> CompletableFuture.completedFuture(null));
        assertThat(t.nextDeadline()).isEqualTo(created.plusSeconds(30)); // connecting

        t.postingWith("c1", TrackingMethod.WEBSOCKET);
        assertThat(t.nextDeadline()).isEqualTo(created.plusSeconds(60)); // submitting

        Instant accepted = Instant.now();
        t.accepted(accepted);
        assertThat(t.nextDeadline()).isEqualTo(accepted.plusSeconds(5)); // queued

        t.seenRunning(1);
        Instant started = t.snapshot().startedAt();
        assertThat(t.nextDeadline()).isEqualTo(started.plusSeconds(7)); // running

        t.fail(Outcome.INTERRUPTED, java.util.List.of());
        assertThat(t.nextDeadline()).isNull();
    }
}
