package io.comfyrun.client.progress.log;

import io.comfyrun.client.NodeRun;
import io.comfyrun.client.OutputRef;
import io.comfyrun.client.PromptError;
import io.comfyrun.client.PromptResult;
import io.comfyrun.client.TrackingMethod;
import io.comfyrun.client.progress.NodeRef;
import io.comfyrun.client.progress.ProgressListener;
import io.comfyrun.client.progress.PromptEvent;
import io.comfyrun.client.progress.PromptPhase;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The console log of a prompt: a {@link ProgressListener} that turns engine events into stable, greppable
 * lines, written to a {@code Consumer<String>} (a Jenkins build log, stdout).
 *
 * <pre>
 * [ComfyUI] prompt 5f1c2a… submitted to http://gpu-1:8188 (websocket)
 * [ComfyUI] queued on http://gpu-1:8188, 1 pending prompt ahead of ours (its queue: 3 running + pending, ours included)
 * [ComfyUI] started; cached 2 nodes: 4 CheckpointLoaderSimple, 5 EmptyLatentImage
 * [ComfyUI] node 3 KSampler: 45% (9/20) · workflow 61% · ETA 4 s
 * [ComfyUI] node 9 SaveImage: wrote ComfyUI_00001_.png
 * [ComfyUI] success in 6.2 s: 1 output, 7 nodes (2 cached), tracked by websocket
 * </pre>
 *
 * <p>Every state transition gets a line. Step progress is throttled so that a two-hour, 3,000-step run
 * stays short: a step line is printed only when the node crossed a 10% mark since the last step line
 * <em>and</em> at least {@link Builder#stepInterval} (default 5 s) has passed, whichever is rarer; every node
 * always gets a {@code 0% (0/N)} line (at its first progress, when N is known) and a 100% line. While a prompt
 * waits in the queue, a heartbeat line is printed every {@link Builder#queuedHeartbeat} (default 1 min), driven by queue events or by
 * {@link #tick()} (call it from a timer). Connection loss and recovery are printed once per server, not
 * once per prompt. Server URLs are printed without user-info or query, so a token in a URL never leaks.
 *
 * <p>Thread-safe: events may come from several engine threads; lines are emitted in event order per prompt.
 */
public final class ProgressLog implements ProgressListener {

    /** Default prefix, as in the examples. */
    public static final String PREFIX = "[ComfyUI] ";

    private final Consumer<String> out;
    private final InstantSource clock;
    private final String prefix;
    private final Duration stepInterval;
    private final Duration queuedHeartbeat;
    private final Duration runningHeartbeat;
    private final Map<String, PromptState> prompts = new HashMap<>();
    private final Set<URI> serversDown = new HashSet<>();

    private ProgressLog(Builder b) {
        this.out = b.out;
        this.clock = b.clock;
        this.prefix = b.prefix;
        this.stepInterval = b.stepInterval;
        this.queuedHeartbeat = b.queuedHeartbeat;
        this.runningHeartbeat = b.runningHeartbeat;
    }

    /** A log with the defaults ({@code [ComfyUI] } prefix, 5 s step interval, 1 min queued heartbeat). */
    public static ProgressLog to(Consumer<String> out) {
        return builder(out).build();
    }

    public static Builder builder(Consumer<String> out) {
        return new Builder(out);
    }

    /** Options of a {@link ProgressLog}. */
    public static final class Builder {
        private final Consumer<String> out;
        private InstantSource clock = InstantSource.system();
        private String prefix = PREFIX;
        private Duration stepInterval = Duration.ofSeconds(5);
        private Duration queuedHeartbeat = Duration.ofMinutes(1);
        private Duration runningHeartbeat = Duration.ofMinutes(5);

        private Builder(Consumer<String> out) {
            this.out = Objects.requireNonNull(out, "out");
        }

        /** The time source for throttling and heartbeats; tests pass a controllable one. */
        public Builder clock(InstantSource clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Put before every line; default {@code "[ComfyUI] "}. Batches use e.g. {@code "[ComfyUI txt2img] "}. */
        public Builder prefix(String prefix) {
            this.prefix = Objects.requireNonNull(prefix, "prefix");
            return this;
        }

        /** Minimum time between two step lines of one prompt (besides first/last step of a node). */
        public Builder stepInterval(Duration interval) {
            this.stepInterval = requirePositive(interval, "stepInterval");
            return this;
        }

        /** How often "still queued" is printed while a prompt waits. */
        public Builder queuedHeartbeat(Duration interval) {
            this.queuedHeartbeat = requirePositive(interval, "queuedHeartbeat");
            return this;
        }

        /** After how long without any line a running prompt gets a "still running" line (default 5 min; zero: never). */
        public Builder runningHeartbeat(Duration interval) {
            this.runningHeartbeat = requirePositive(interval, "runningHeartbeat");
            return this;
        }

        public ProgressLog build() {
            return new ProgressLog(this);
        }

        private static Duration requirePositive(Duration d, String what) {
            if (d == null || d.isNegative()) {
                throw new IllegalArgumentException(what + " must be zero or positive, got " + d);
            }
            return d;
        }
    }

    /** What has been printed for one prompt, to decide what the next event deserves. */
    private static final class PromptState {
        final Instant submittedAt;
        String server;
        String queuedText;
        Instant queuedSince;
        Instant lastQueuedLine;
        boolean started;
        String stepNode;
        int lastStepDecile = -1;
        Instant lastStepLine;
        Instant lastLine;
        int lastStepValue = -1;

        PromptState(Instant now) {
            submittedAt = now;
        }
    }

    @Override
    public void onEvent(PromptEvent event) {
        synchronized (this) {
            handle(event);
        }
    }

    /** Prints due heartbeats (prompts waiting in the queue); call it from a timer, e.g. every second. */
    public void tick() {
        synchronized (this) {
            Instant now = clock.instant();
            for (PromptState s : prompts.values()) {
                queuedHeartbeat(s, now);
            }
        }
    }

    /** The number of prompts this log is currently following. */
    public synchronized int activePrompts() {
        return prompts.size();
    }

    private void handle(PromptEvent event) {
        Instant now = clock.instant();
        String id = event.promptId();
        PromptState s = prompts.computeIfAbsent(id, k -> new PromptState(now));
        if (event instanceof PromptEvent.Submitted e) {
            s.server = LogFormat.server(e.server());
            line("prompt " + LogFormat.promptId(id) + " submitted to " + LogFormat.server(e.server()) + " (" + method(e.method()) + ")");
        } else if (event instanceof PromptEvent.Queued e) {
            queued(s, e, now);
        } else if (event instanceof PromptEvent.Heartbeat e) {
            heartbeat(s, e, now);
        } else if (event instanceof PromptEvent.Started e) {
            s.started = true;
            s.queuedText = null;
            List<NodeRef> cached = e.cached();
            line(cached.isEmpty() ? "started"
                    : "started; cached " + LogFormat.plural(cached.size(), "node") + ": "
                    + LogFormat.joinLimited(cached, 12, ProgressLog::nodeShort));
        } else if (event instanceof PromptEvent.NodeStarted e) {
            s.started = true;
            s.queuedText = null;
            s.lastLine = now;
            line("node " + node(e.node()) + ": running");
        } else if (event instanceof PromptEvent.StepProgress e) {
            step(s, e, now);
        } else if (event instanceof PromptEvent.NodeFinished e) {
            s.lastLine = now;
            // Polling learns that a node ended, not how long it ran: say only what was measured.
            line("node " + node(e.node()) + (e.measured() ? ": done in " + LogFormat.duration(Duration.ofMillis(e.millis()))
                    : ": done"));
        } else if (event instanceof PromptEvent.OutputProduced e) {
            outputs(e);
        } else if (event instanceof PromptEvent.ConnectionLost e) {
            if (serversDown.add(e.server())) {
                line("connection to " + LogFormat.server(e.server()) + " lost" + reason(e.reason()) + "; reconnecting");
            }
        } else if (event instanceof PromptEvent.ConnectionRestored e) {
            if (serversDown.remove(e.server())) {
                line("connection to " + LogFormat.server(e.server()) + " restored after " + LogFormat.duration(e.downFor()));
            }
        } else if (event instanceof PromptEvent.TrackingChanged e) {
            line("now tracking by " + method(e.method()));
        } else if (event instanceof PromptEvent.Finished e) {
            prompts.remove(id);
            finished(e.result());
        }
    }

    /** While running, a heartbeat is printed only after a long silence (a five-minute node is normal, but say so). */
    private void heartbeat(PromptState s, PromptEvent.Heartbeat e, Instant now) {
        if (e.phase() == PromptPhase.QUEUED) {
            queuedHeartbeat(s, now);
        } else if (e.phase() == PromptPhase.RUNNING && !runningHeartbeat.isZero()) {
            Instant last = s.lastLine == null ? s.submittedAt : s.lastLine;
            if (!now.isBefore(last.plus(runningHeartbeat))) {
                s.lastLine = now;
                line("still running (" + LogFormat.duration(e.elapsed()) + " elapsed)");
            }
        }
    }

    private void queued(PromptState s, PromptEvent.Queued e, Instant now) {
        if (s.started) {
            return;
        }
        // Whose queue and what is ahead: "position 1 of 2" read as "first of our two prompts" to users.
        int ahead = Math.max(0, e.position() - 1);
        String text = "on " + (s.server == null ? "the server" : s.server) + ", " + LogFormat.plural(ahead, "pending prompt")
                + " ahead of ours (its queue: " + e.total() + " running + pending, ours included)";
        if (!text.equals(s.queuedText)) {
            if (s.queuedSince == null) {
                s.queuedSince = now;
            }
            s.queuedText = text;
            s.lastQueuedLine = now;
            line("queued " + text);
        } else {
            queuedHeartbeat(s, now);
        }
    }

    private void queuedHeartbeat(PromptState s, Instant now) {
        if (s.started || s.queuedText == null || s.lastQueuedLine == null || queuedHeartbeat.isZero()) {
            return;
        }
        if (!now.isBefore(s.lastQueuedLine.plus(queuedHeartbeat))) {
            s.lastQueuedLine = now;
            line("still queued " + s.queuedText + " (waiting " + LogFormat.duration(Duration.between(s.queuedSince, now)) + ")");
        }
    }

    private void step(PromptState s, PromptEvent.StepProgress e, Instant now) {
        s.started = true;
        s.queuedText = null;
        int max = Math.max(1, e.max());
        int value = Math.max(0, Math.min(e.value(), max));
        String nodeId = e.node().id();
        boolean newNode = !nodeId.equals(s.stepNode) || value < s.lastStepValue;
        boolean last = value >= max;
        int decile = (int) Math.floor(value * 10.0 / max);
        boolean print;
        if (newNode && value > 0 && decile == 0) {
            // The node's step total is known from its first progress: say it started at 0%, then throttle as usual
            // (ComfyUI's samplers report step 1 first; a node always gets its 0% and its 100% line). A node first
            // seen further on (a build resumed after a Jenkins restart, a log attached late) did not start now: its
            // first line says where it is.
            s.lastStepDecile = 0;
            s.lastStepLine = now;
            s.lastLine = now;
            line("node " + node(e.node()) + ": 0% (0/" + max + ")");
            print = last;
        } else if (newNode) {
            print = true;
        } else if (last) {
            print = s.lastStepValue < max;
        } else {
            boolean crossed = decile > s.lastStepDecile;
            boolean waited = s.lastStepLine == null || !now.isBefore(s.lastStepLine.plus(stepInterval));
            print = crossed && waited;
        }
        s.stepNode = nodeId;
        s.lastStepValue = value;
        if (!print) {
            return;
        }
        s.lastStepDecile = decile;
        s.lastStepLine = now;
        s.lastLine = now;
        StringBuilder b = new StringBuilder("node ").append(node(e.node())).append(": ")
                .append(LogFormat.percent((double) value / max)).append("% (").append(value).append('/').append(max).append(')');
        if (!Double.isNaN(e.workflowFraction()) && e.workflowFraction() >= 0) {
            b.append(" · workflow ").append(LogFormat.percent(e.workflowFraction())).append('%');
        }
        if (e.eta() != null && !last) {
            b.append(" · ETA ").append(LogFormat.eta(e.eta()));
        }
        line(b.toString());
    }

    private void outputs(PromptEvent.OutputProduced e) {
        List<OutputRef> outputs = e.outputs();
        if (outputs.isEmpty()) {
            return;
        }
        String files = LogFormat.joinLimited(outputs, 8, OutputRef::path);
        if (e.fromCache()) {
            line("node " + node(e.node()) + ": cached output " + files + " (replayed from an earlier run; no new file)");
        } else {
            line("node " + node(e.node()) + ": wrote " + files);
        }
    }

    private void finished(PromptResult r) {
        String took = LogFormat.duration(r.duration());
        String tracked = "tracked by " + method(r.method());
        long cached = r.nodes().stream().filter(NodeRun::cached).count();
        String nodes = LogFormat.plural(r.nodes().size(), "node") + " (" + cached + " cached)";
        switch (r.outcome()) {
            case SUCCESS -> line("success in " + took + ": " + LogFormat.plural(r.outputs().size(), "output") + ", " + nodes + ", " + tracked);
            case FAILED -> {
                line("failed in " + took + firstError(r, ": ") + ", " + tracked);
                moreErrors(r, 1);
            }
            case REJECTED -> {
                line("rejected by the server's validation: " + LogFormat.plural(r.errors().size(), "error"));
                moreErrors(r, 0);
            }
            case INTERRUPTED -> line("interrupted after " + took + firstError(r, ": ") + ", " + tracked);
            case TIMED_OUT -> line("timed out after " + took + firstError(r, ": ") + ", " + tracked);
            case LOST -> line("lost after " + took + ": the server no longer knows the prompt (restarted?)" + firstError(r, "; ") + ", " + tracked);
            case UNREACHABLE -> line("server " + LogFormat.server(r.server()) + " unreachable" + firstError(r, ": "));
        }
    }

    private static String firstError(PromptResult r, String sep) {
        return r.errors().isEmpty() ? "" : sep + LogFormat.oneLine(r.errors().get(0).describe());
    }

    private void moreErrors(PromptResult r, int from) {
        List<PromptError> errors = r.errors();
        int shown = 0;
        for (int i = from; i < errors.size() && shown < 20; i++, shown++) {
            line("  " + LogFormat.oneLine(errors.get(i).describe()));
        }
        if (errors.size() - from > shown) {
            line("  ... and " + (errors.size() - from - shown) + " more errors");
        }
    }

    private static String reason(String reason) {
        return reason == null || reason.isBlank() ? "" : " (" + LogFormat.oneLine(reason) + ")";
    }

    private static String method(TrackingMethod m) {
        return m == null ? "websocket" : m.name().toLowerCase(Locale.ROOT);
    }

    /** {@code 3 KSampler} or {@code 6 CLIPTextEncode "Positive Prompt"}. */
    static String node(NodeRef n) {
        String title = n.title();
        return title != null && !title.isBlank() && !title.equals(n.classType())
                ? n.id() + " " + n.classType() + " \"" + LogFormat.oneLine(title) + "\""
                : n.id() + " " + n.classType();
    }

    private static String nodeShort(NodeRef n) {
        return n.id() + " " + n.classType();
    }

    private void line(String text) {
        out.accept(prefix + text);
    }
}
