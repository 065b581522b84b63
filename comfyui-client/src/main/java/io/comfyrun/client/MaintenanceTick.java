package io.comfyrun.client;

import io.comfyrun.client.tracker.TickFindings;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A connection's timer while prompts are in flight on it: every tick it checks each prompt's deadlines (a prompt that
 * passed one is cancelled on the server if a POST went out), emits heartbeats, and hands the {@link Reconciler} what
 * it saw (orphaned, queued and silent prompts). It stops itself once no prompt is left.
 *
 * <p>Threads: {@link #start} runs on the thread adding a prompt, {@link #tick} on {@code comfyrun-scheduler} (never
 * blocks: HTTP goes to the io pool), {@link #stop} on the closing thread. The timer handle is guarded by the
 * connection's lifecycle lock, handed in; the prompts map is the connection's own (concurrent) map.
 */
final class MaintenanceTick {

    private static final System.Logger LOG = System.getLogger(MaintenanceTick.class.getName());

    private final ServerConnection connection;
    private final ComfyClient client;
    private final Map<String, FollowedPrompt> prompts;
    private final Object lock;
    /** Guarded by lock. */
    private ScheduledFuture<?> timer;

    MaintenanceTick(ServerConnection connection, ComfyClient client, Map<String, FollowedPrompt> prompts, Object lock) {
        this.connection = connection;
        this.client = client;
        this.prompts = prompts;
        this.lock = lock;
    }

    /** Starts ticking unless it already does or the connection is closed. */
    void start() {
        synchronized (lock) {
            if (timer == null && connection.state() != ConnectionState.CLOSED) {
                long tick = client.settings().maintenanceTick().toMillis();
                try {
                    timer = client.scheduler().scheduleWithFixedDelay(this::tick, tick, tick, TimeUnit.MILLISECONDS);
                } catch (RejectedExecutionException e) {
                    // client closing
                }
            }
        }
    }

    /** Stops ticking (the connection closes). */
    void stop() {
        ScheduledFuture<?> m;
        synchronized (lock) {
            m = timer;
            timer = null;
        }
        if (m != null) {
            m.cancel(false);
        }
    }

    private void tick() {
        try {
            if (prompts.isEmpty()) {
                synchronized (lock) {
                    if (prompts.isEmpty() && timer != null) {
                        timer.cancel(false);
                        timer = null;
                    }
                }
                return;
            }
            Instant now = Instant.now();
            Instant silentBefore = now.minus(client.settings().silenceReconcile());
            Duration heartbeat = client.settings().heartbeat();
            boolean anyOrphan = false;
            boolean anyQueued = false;
            boolean anySilent = false;
            for (FollowedPrompt p : prompts.values()) {
                int seen = p.tracker().maintain(now, silentBefore, heartbeat);
                if (TickFindings.has(seen, TickFindings.TIMED_OUT)) {
                    if (TickFindings.has(seen, TickFindings.POSTED)) {
                        connection.canceller().cancelOnServer(p); // posted: a copy may be queued or running; stop it
                    }
                    continue;
                }
                anyOrphan |= TickFindings.has(seen, TickFindings.ORPHANED);
                anyQueued |= TickFindings.has(seen, TickFindings.QUEUED);
                anySilent |= TickFindings.has(seen, TickFindings.SILENT);
            }
            ConnectionState st = connection.state();
            boolean polling = st == ConnectionState.POLLING || st == ConnectionState.CONNECTING;
            connection.reconciler().tick(polling, st == ConnectionState.OPEN, anyOrphan, anyQueued, anySilent,
                    System.nanoTime());
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "maintenance of " + connection.baseUrl() + " failed", e);
        }
    }
}
