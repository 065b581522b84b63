package io.jenkins.plugins.comfyrun;

import hudson.model.Api;
import hudson.model.Run;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import jenkins.model.RunAction2;
import org.kohsuke.stapler.export.Exported;
import org.kohsuke.stapler.export.ExportedBean;

/**
 * Build-page summary of one {@code comfyRun} call: server name, prompt id, status, duration, how it was tracked,
 * a per-node timeline (cached nodes marked) and thumbnails of outputs that were archived with the build. One action
 * per call; several calls in a build give several actions.
 *
 * <p>Persisted with the build (XStream), so it holds plain values only and never a secret: the server is shown by
 * its configured name (or its URL when a step used {@code serverUrl}, which carries no credentials by construction).
 * While the prompt runs, {@link #getPercent()} and {@link #getCurrentNode()} are exported on the build's
 * {@code api/json}; {@code progress.js} polls them to refresh the summary without reloading the page.
 */
@ExportedBean
public class ComfyRunAction implements RunAction2 {
    static final String RUNNING = "RUNNING";
    static final String QUEUED = "QUEUED";
    static final String SUBMITTING = "SUBMITTING";

    private final String promptId;
    private final String server;
    private volatile String status = SUBMITTING;
    private volatile String method;
    private volatile long durationMillis = -1;
    // ArrayList, not List.of/copyOf: JDK-internal immutable lists do not round-trip through Jenkins' XStream
    private volatile ArrayList<NodeEntry> nodes = new ArrayList<>();
    private volatile ArrayList<OutputEntry> outputs = new ArrayList<>();
    private volatile ArrayList<String> errors = new ArrayList<>();
    private volatile double percent;
    private volatile String currentNode;
    private volatile Integer queuePosition;
    /** "API format", or "converted from UI format with the node catalogue of ..."; null in builds from before 0.1. */
    private volatile String workflowFormat;
    /** Nodes ComfyUI reported as cached when the prompt started; kept across a restart (the resumed events lack them). */
    private volatile int cachedNodes;

    private transient Run<?, ?> run;
    /** Thumbnails once the build has completed (its artifacts are final); recomputed while it runs. */
    private transient volatile List<Thumbnail> thumbnailsOfCompletedBuild;

    public ComfyRunAction(String promptId, String server) {
        this.promptId = promptId;
        this.server = server;
    }

    @Override
    @edu.umd.cs.findbugs.annotations.SuppressFBWarnings(value = "EI_EXPOSE_REP2", justification = "a RunAction2 keeps its build, as Jenkins' own actions do")
    public void onAttached(Run<?, ?> r) {
        this.run = r;
    }

    @Override
    @edu.umd.cs.findbugs.annotations.SuppressFBWarnings(value = "EI_EXPOSE_REP2", justification = "a RunAction2 keeps its build, as Jenkins' own actions do")
    public void onLoad(Run<?, ?> r) {
        this.run = r;
        if (nodes == null) {
            nodes = new ArrayList<>();
        }
        if (outputs == null) {
            outputs = new ArrayList<>();
        }
        if (errors == null) {
            errors = new ArrayList<>();
        }
    }

    @edu.umd.cs.findbugs.annotations.SuppressFBWarnings(value = "EI_EXPOSE_REP", justification = "the views need the build itself (its URL, its sidepanel)")
    public Run<?, ?> getRun() {
        return run;
    }

    /** A sidebar link per prompt opens the full page (index.jelly). */
    @Override
    public String getIconFileName() {
        return "symbol-cube";
    }

    @Override
    public String getDisplayName() {
        return "ComfyUI " + shortId();
    }

    /** The exported model at {@code <this page>/api/json} (and xml), as scripts expect of every Jenkins page. */
    public Api getApi() {
        return new Api(this);
    }

    @Override
    public String getUrlName() {
        return "comfyui-" + promptId;
    }

    @Exported
    public String getPromptId() {
        return promptId;
    }

    @Exported
    public String getServer() {
        return server;
    }

    /** SUBMITTING, QUEUED, RUNNING while in flight, then the engine outcome (SUCCESS, FAILED, INTERRUPTED, ...). */
    @Exported
    public String getStatus() {
        return status;
    }

    @Exported
    public String getWorkflowFormat() {
        return workflowFormat;
    }

    void setWorkflowFormat(String format) {
        this.workflowFormat = format;
    }

    @Exported
    public String getMethod() {
        return method;
    }

    @Exported
    public long getDurationMillis() {
        return durationMillis;
    }

    /** Whole-workflow progress 0..100 while running. */
    @Exported
    public int getPercent() {
        return (int) Math.floor(percent);
    }

    /** "3 KSampler" while a node runs, else null. */
    @Exported
    public String getCurrentNode() {
        return currentNode;
    }

    @Exported
    public Integer getQueuePosition() {
        return queuePosition;
    }

    /** Nodes served from ComfyUI's cache (known from the start of the prompt; survives a controller restart). */
    @Exported
    public int getCachedNodes() {
        return cachedNodes;
    }

    /**
     * Whether the build is over; the page script stops polling when it is. A build that is over has no prompt in
     * flight whatever its status says (a controller that died mid-run leaves no one to record the end).
     */
    @Exported
    public boolean isBuildOver() {
        Run<?, ?> r = run;
        return r != null && !r.isBuilding();
    }

    /** Still submitting, queued or running, in a build that is still going on. */
    public boolean isInProgress() {
        return (status.equals(SUBMITTING) || status.equals(QUEUED) || status.equals(RUNNING)) && !isBuildOver();
    }

    public List<NodeEntry> getNodes() {
        return Collections.unmodifiableList(nodes);
    }

    public List<OutputEntry> getOutputs() {
        return Collections.unmodifiableList(outputs);
    }

    public List<String> getErrors() {
        return Collections.unmodifiableList(errors);
    }

    public String getShortId() {
        return shortId();
    }

    private String shortId() {
        return promptId.length() > 8 ? promptId.substring(0, 8) : promptId;
    }

    /** "1 min 23 s", "4.2 s", or "" before completion. */
    public String getDurationText() {
        return durationMillis < 0 ? "" : formatMillis(durationMillis);
    }

    /** Longest node time, to scale the timeline bars. */
    public long getMaxNodeMillis() {
        long max = 1;
        for (NodeEntry n : nodes) {
            max = Math.max(max, n.millis);
        }
        return max;
    }

    /**
     * Outputs that were written to the workspace AND archived with this build: only those get a thumbnail, served
     * by Jenkins from the build's artifacts (never hot-linked to the ComfyUI server). At most one walk of the
     * artifact list per call (the views call this once per render), none when no output can have a thumbnail, and
     * none at all once the build is over: its artifacts no longer change, so the answer is kept.
     */
    @edu.umd.cs.findbugs.annotations.SuppressFBWarnings(value = "EI_EXPOSE_REP", justification = "the kept list is unmodifiable")
    public List<Thumbnail> getThumbnails() {
        Run<?, ?> r = run;
        if (r == null) {
            return List.of();
        }
        List<Thumbnail> kept = thumbnailsOfCompletedBuild;
        if (kept != null) {
            return kept;
        }
        List<Thumbnail> result = new ArrayList<>();
        if (outputs.stream().anyMatch(o -> o.path != null && o.isImage())) {
            java.util.Map<String, String> hrefByPath = new java.util.HashMap<>();
            for (Run<?, ?>.Artifact a : r.getArtifacts()) {
                hrefByPath.put(a.relativePath, a.getHref());
            }
            for (OutputEntry o : outputs) {
                String href = o.path == null || !o.isImage() ? null : hrefByPath.get(o.path);
                if (href != null) {
                    result.add(new Thumbnail(o.filename, "artifact/" + href, o.node));
                }
            }
        }
        List<Thumbnail> answer = Collections.unmodifiableList(result);
        if (!isInProgress() && !r.isBuilding()) {
            thumbnailsOfCompletedBuild = answer;
        }
        return answer;
    }

    // ----- updates from the execution (any thread) -----

    void queued(Integer position) {
        status = QUEUED;
        queuePosition = position;
    }

    void started(int cachedAtStart) {
        // a resumed prompt starts again from the engine's point of view, with no cached list: keep what was known
        cachedNodes = Math.max(cachedNodes, cachedAtStart);
        running(null, 0);
    }

    void running(String node, double workflowPercent) {
        status = RUNNING;
        queuePosition = null;
        if (node != null) {
            currentNode = node;
        }
        // never backwards: after a restart the engine knows fewer nodes of the workflow and restarts its count
        percent = Math.max(percent, Math.max(0, Math.min(100, workflowPercent)));
    }

    /** The step ended before the prompt's result was recorded (stopped, failed): no longer shown in flight. */
    void ended(String finalStatus) {
        currentNode = null;
        queuePosition = null;
        status = finalStatus;
    }

    void tracking(String trackingMethod) {
        method = trackingMethod;
    }

    void finished(String outcome, String trackingMethod, long millis, List<NodeEntry> nodeRuns, List<OutputEntry> outs,
            List<String> errs) {
        method = trackingMethod;
        durationMillis = millis;
        nodes = new ArrayList<>(nodeRuns);
        outputs = new ArrayList<>(outs);
        errors = new ArrayList<>(errs);
        currentNode = null;
        queuePosition = null;
        percent = outcome.equals("SUCCESS") ? 100 : percent;
        int cachedInResult = 0;
        for (NodeEntry n : nodeRuns) {
            cachedInResult += n.cached ? 1 : 0;
        }
        cachedNodes = Math.max(cachedNodes, cachedInResult);
        status = outcome;
    }

    /** The engine's duration format, so the build page reads like the console ("6.2 s", "3 min 05 s"). */
    static String formatMillis(long ms) {
        return io.comfyrun.client.progress.log.LogFormat.duration(java.time.Duration.ofMillis(ms));
    }

    /** One node of the executed workflow. */
    public static final class NodeEntry {
        private final String id;
        private final String classType;
        private final String title;
        private final boolean cached;
        private final long millis;

        public NodeEntry(String id, String classType, String title, boolean cached, long millis) {
            this.id = id;
            this.classType = classType;
            this.title = title;
            this.cached = cached;
            this.millis = millis;
        }

        public String getId() {
            return id;
        }

        public String getClassType() {
            return classType;
        }

        public String getTitle() {
            return title;
        }

        public boolean isCached() {
            return cached;
        }

        /** 0 for a node nobody timed (polling saw only that it ended): its bar stays empty. */
        public long getMillis() {
            return Math.max(0, millis);
        }

        public String getDurationText() {
            return cached ? "cached" : millis < 0 ? "not timed (polling)" : formatMillis(millis);
        }
    }

    /** One output file; {@code path} is workspace-relative, or null when no workspace was available. */
    public static final class OutputEntry {
        private final String node;
        private final String filename;
        private final String subfolder;
        private final String type;
        private final String path;
        private final long size;

        public OutputEntry(String node, String filename, String subfolder, String type, String path, long size) {
            this.node = node;
            this.filename = filename;
            this.subfolder = subfolder;
            this.type = type;
            this.path = path;
            this.size = size;
        }

        public String getNode() {
            return node;
        }

        public String getFilename() {
            return filename;
        }

        public String getSubfolder() {
            return subfolder;
        }

        public String getType() {
            return type;
        }

        public String getPath() {
            return path;
        }

        public long getSize() {
            return size;
        }

        public boolean isImage() {
            String f = filename == null ? "" : filename.toLowerCase(Locale.ROOT);
            return f.endsWith(".png") || f.endsWith(".jpg") || f.endsWith(".jpeg") || f.endsWith(".webp") || f.endsWith(".gif");
        }
    }

    /** An archived image output; {@code href} is relative to the build URL. */
    public static final class Thumbnail {
        private final String name;
        private final String href;
        private final String node;

        Thumbnail(String name, String href, String node) {
            this.name = name;
            this.href = href;
            this.node = node;
        }

        public String getName() {
            return name;
        }

        public String getHref() {
            return href;
        }

        public String getNode() {
            return node;
        }
    }
}
