package io.comfyrun.client;

import java.io.Serializable;
import java.time.Duration;
import java.time.Instant;

/**
 * Separate limits for each phase of a prompt. Each is a budget; the engine turns it into an absolute
 * instant when the phase starts and persists that instant in the {@link PromptSnapshot}, so a resumed
 * prompt keeps the same deadlines. {@code null} means "no limit" for that phase.
 *
 * @param connect  opening the connection to the server (health check or WebSocket) before submitting
 * @param submit   getting the {@code POST /prompt} answered, retries included
 * @param queued   waiting in the server's queue, counted from submission
 * @param running  executing, counted from {@code execution_start} (or from leaving the queue)
 * @param noSignal no sign of life at all about the prompt (no event, no successful reconcile)
 * @param total    the whole prompt, from submission to result
 */
public record Deadlines(Duration connect, Duration submit, Duration queued, Duration running, Duration noSignal,
                        Duration total) implements Serializable {

    /** Sensible defaults: connect 30 s, submit 2 min, no queue/run limit, no-signal 30 min, no total. */
    public static final Deadlines DEFAULTS = new Deadlines(Duration.ofSeconds(30), Duration.ofMinutes(2), null, null,
            Duration.ofMinutes(30), null);

    /** No limits except how long to try to reach the server. */
    public static final Deadlines NONE = new Deadlines(Duration.ofSeconds(30), Duration.ofMinutes(2), null, null, null, null);

    public Deadlines {
        check(connect, "connect");
        check(submit, "submit");
        check(queued, "queued");
        check(running, "running");
        check(noSignal, "noSignal");
        check(total, "total");
    }

    public Deadlines withTotal(Duration d) {
        return new Deadlines(connect, submit, queued, running, noSignal, d);
    }

    public Deadlines withQueued(Duration d) {
        return new Deadlines(connect, submit, d, running, noSignal, total);
    }

    public Deadlines withRunning(Duration d) {
        return new Deadlines(connect, submit, queued, d, noSignal, total);
    }

    public Deadlines withNoSignal(Duration d) {
        return new Deadlines(connect, submit, queued, running, d, total);
    }

    public Deadlines withConnect(Duration d) {
        return new Deadlines(d, submit, queued, running, noSignal, total);
    }

    public Deadlines withSubmit(Duration d) {
        return new Deadlines(connect, d, queued, running, noSignal, total);
    }

    /** {@code start + budget}, or {@code null} when the budget is unlimited. */
    public static Instant after(Instant start, Duration budget) {
        return budget == null || start == null ? null : start.plus(budget);
    }

    /** The earlier of two instants, either of which may be null (no limit). */
    public static Instant earliest(Instant a, Instant b) {
        return a == null ? b : b == null || a.isBefore(b) ? a : b;
    }

    private static void check(Duration d, String name) {
        if (d != null && (d.isNegative() || d.isZero())) {
            throw new IllegalArgumentException("deadline '" + name + "' must be positive or null (no limit), got " + d);
        }
    }
}
