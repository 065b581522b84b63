package io.comfyrun.client.tracker;

import io.comfyrun.client.Deadlines;
import io.comfyrun.client.progress.PromptPhase;

import java.time.Duration;
import java.time.Instant;

/**
 * The deadlines that end an accepted prompt, in the order they are checked: each names the phase it applies in,
 * the instant it counts from, its budget and how its failure reads ('connect' and 'submit' belong to the submitter).
 */
enum DeadlineRule {
    QUEUED("queued", "waited in the server's queue longer than ") {
        Instant from(Times t) {
            return t.phase() == PromptPhase.QUEUED ? t.submittedAt() : null;
        }

        Duration budget(Deadlines d) {
            return d.queued();
        }
    },
    RUNNING("running", "ran longer than ") {
        Instant from(Times t) {
            return t.phase() == PromptPhase.RUNNING ? t.startedAt() : null;
        }

        Duration budget(Deadlines d) {
            return d.running();
        }
    },
    NO_SIGNAL("noSignal", "gave no sign of life (no event, no successful check of /queue) for ") {
        Instant from(Times t) {
            return t.lastSignal();
        }

        Duration budget(Deadlines d) {
            return d.noSignal();
        }
    },
    TOTAL("total", "took longer than ") {
        Instant from(Times t) {
            return t.createdAt();
        }

        Duration budget(Deadlines d) {
            return d.total();
        }
    };

    /** The instants a prompt's deadlines count from, at one moment. */
    record Times(PromptPhase phase, Instant createdAt, Instant submittedAt, Instant startedAt, Instant lastSignal) {
    }

    /** The name users configure and read ({@code deadline 'noSignal'}). */
    final String key;
    private final String failurePrefix;

    DeadlineRule(String key, String failurePrefix) {
        this.key = key;
        this.failurePrefix = failurePrefix;
    }

    /** Where this deadline counts from now, or null when it does not apply in the current phase. */
    abstract Instant from(Times t);

    abstract Duration budget(Deadlines d);

    /** The instant this deadline passes, or null (not applicable, or unlimited). */
    Instant due(Times t, Deadlines d) {
        return Deadlines.after(from(t), budget(d));
    }

    /** "prompt ran longer than 10 min (deadline 'running')". */
    String failure(Deadlines d) {
        String amount = human(budget(d)) + (this == TOTAL ? " in total" : "");
        return "prompt " + failurePrefix + amount + " (deadline '" + key + "')";
    }

    /** In checking order; values() would copy the array on every check. */
    private static final DeadlineRule[] ALL = values();

    /** The first rule whose deadline has passed at {@code now}, or null. */
    static DeadlineRule passed(Instant now, Times t, Deadlines d) {
        for (DeadlineRule r : ALL) {
            Instant due = r.due(t, d);
            if (due != null && now.isAfter(due)) {
                return r;
            }
        }
        return null;
    }

    /** The earliest instant at which one of these deadlines can pass, or null. */
    static Instant earliest(Times t, Deadlines d) {
        Instant earliest = null;
        for (DeadlineRule r : ALL) {
            earliest = Deadlines.earliest(earliest, r.due(t, d));
        }
        return earliest;
    }

    /**
     * Before the server accepted the prompt only 'total' applies here, with 'submit' once the POST is out or
     * 'connect' before it; returns the earliest of them, or null.
     */
    static Instant earliestBeforeAcceptance(Instant createdAt, boolean posted, Deadlines d) {
        return Deadlines.earliest(Deadlines.after(createdAt, d.total()),
                Deadlines.after(createdAt, posted ? d.submit() : d.connect()));
    }

    /** Whether 'total' passed before the server accepted the prompt ('connect' and 'submit' are the submitter's). */
    static boolean totalPassedBeforeAcceptance(Instant now, Instant createdAt, Deadlines d) {
        return d.total() != null && createdAt != null && now.isAfter(createdAt.plus(d.total()));
    }

    static String human(Duration d) {
        long s = d.toSeconds();
        if (s < 120) {
            return s + " s";
        }
        if (s < 7200) {
            return (s / 60) + " min";
        }
        return (s / 3600) + " h";
    }
}
