package io.jenkins.plugins.comfyrun;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import hudson.AbortException;
import hudson.FilePath;
import hudson.model.Run;
import hudson.model.TaskListener;
import io.comfyrun.client.ComfyHttpApi;
import io.comfyrun.client.Deadlines;
import io.comfyrun.client.OutputRef;
import io.comfyrun.client.PromptHandle;
import io.comfyrun.client.PromptRequest;
import io.comfyrun.client.PromptResult;
import io.comfyrun.client.PromptSnapshot;
import io.comfyrun.client.PromptSnapshots;
import io.comfyrun.client.ServerConfig;
import io.comfyrun.client.UploadedFile;
import io.comfyrun.client.ViewResponse;
import io.comfyrun.client.files.DownloadedFile;
import io.comfyrun.client.files.InputUploader;
import io.comfyrun.client.files.OutputDownloader;
import io.comfyrun.client.files.SafeNames;
import io.comfyrun.client.pool.PoolMember;
import io.comfyrun.client.pool.PooledPrompt;
import io.comfyrun.client.pool.ServerPool;
import io.comfyrun.client.progress.ProgressListener;
import io.comfyrun.client.progress.PromptEvent;
import io.comfyrun.client.progress.log.LogFormat;
import io.comfyrun.client.workflow.Workflow;
import io.comfyrun.client.workflow.WorkflowOverrides;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jenkinsci.plugins.workflow.steps.StepContext;
import org.jenkinsci.plugins.workflow.steps.StepExecution;

/**
 * The durable execution of {@code comfyChain}: one step at a time on one server (with a pool, the member the first
 * step was routed to). Each step's prompt id is persisted before its POST, and each finished step's chosen output
 * (what the next step receives) is persisted with it, so after a restart {@link #onResume()} reattaches to the step
 * in flight, or uploads the carried image again and submits the next step, never a step that was sent. Abort
 * cancels only the step in flight.
 */
public class ComfyChainExecution extends StepExecution {
    static volatile Duration stopGrace = Duration.ofSeconds(25);
    private static final System.Logger LOG = System.getLogger(ComfyChainExecution.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String PREFIX = "[comfyChain] ";
    private static final long MAX_CARRIED_BYTES = 64L * 1024 * 1024;

    /** One step of the chain as persisted (plain values; see {@link ServerTarget} on why not a record). */
    static final class Link implements Serializable {
        final int index;
        final String name;
        final String workflowJson;
        final String into;
        final String fromNode;
        final int fromIndex;
        volatile String status = BatchItem.PENDING;
        volatile String snapshotJson;
        volatile String promptId;
        volatile long durationMillis = -1;
        volatile String message = "";
        volatile ArrayList<String> files = new ArrayList<>();
        /** The output of this step the next one receives ({"nodeId","filename","subfolder","type"}), once it succeeded. */
        volatile String carriedJson;

        Link(int index, String name, String workflowJson, String into, String fromNode, int fromIndex) {
            this.index = index;
            this.name = name;
            this.workflowJson = workflowJson;
            this.into = into;
            this.fromNode = fromNode;
            this.fromIndex = fromIndex;
        }

        boolean isTerminal() {
            return !(BatchItem.PENDING.equals(status) || BatchItem.SUBMITTED.equals(status) || BatchItem.RUNNING.equals(status));
        }

        private static final long serialVersionUID = 1L;
    }

    // ----- persisted -----
    private final PoolTarget target;
    private final String outputDir;
    private final Integer timeoutMinutes;
    private volatile ArrayList<Link> links;
    /** The member every step runs on (chosen when the first step was routed); null before. */
    private volatile String member;
    private volatile boolean finished;

    // ----- transient -----
    private final transient ComfyChainStep step;
    private transient volatile Throwable stopCause;
    private transient volatile Supplier<CompletableFuture<Void>> cancelCurrent;

    ComfyChainExecution(StepContext context, ComfyChainStep step) throws AbortException {
        super(context);
        this.step = step;
        String problem = WorkspaceOutputSink.checkOutputDir(step.getOutputDir());
        if (problem != null) {
            throw new AbortException("comfyChain: " + problem);
        }
        if (step.getSteps() == null || step.getSteps().isEmpty()) {
            throw new AbortException("comfyChain: give steps: [[name: 'draft', workflowFile: 'a.json'], [workflowFile: 'b.json', into: 'LoadImage.image']]");
        }
        this.target = PoolTarget.resolve("comfyChain", step.getServer(), ComfyGlobalConfiguration.get());
        this.outputDir = step.effectiveOutputDir();
        this.timeoutMinutes = step.getTimeout();
    }

    @Override
    public boolean start() throws Exception {
        try {
            ComfyRuntime.executor().execute(this::prepareAndRun);
        } catch (RejectedExecutionException e) {
            throw new AbortException("comfyChain: Jenkins is shutting down; nothing was sent");
        }
        return false;
    }

    private void prepareAndRun() {
        try {
            FilePath ws = getContext().get(FilePath.class);
            ArrayList<Link> list = new ArrayList<>();
            int i = 0;
            for (Map<String, Object> s : step.getSteps()) {
                i++;
                String name = s.get("name") == null ? "step" + i : String.valueOf(s.get("name"));
                String at = "comfyChain: step " + i + " (" + name + ")";
                Workflow wf = workflow(s, ws, at);
                if (s.get("set") instanceof Map<?, ?> set) {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> overrides = (Map<String, Object>) set;
                    try {
                        wf = wf.with(WorkflowOverrides.of(overrides));
                    } catch (IllegalArgumentException e) {
                        throw new AbortException(at + ": set: " + e.getMessage());
                    }
                }
                String into = s.get("into") == null ? null : String.valueOf(s.get("into"));
                if (i == 1 && into != null) {
                    throw new AbortException(at + ": the first step cannot take into: there is no previous step");
                }
                if (i > 1) {
                    if (into == null) {
                        throw new AbortException(at + " needs into: the input that receives the previous step's image, e.g. 'LoadImage.image'");
                    }
                    try {
                        wf.with(WorkflowOverrides.of(Map.of(into, "placeholder.png"))); // the input exists and takes a file name
                    } catch (IllegalArgumentException e) {
                        throw new AbortException(at + ": into: " + e.getMessage());
                    }
                }
                String fromNode = s.get("from") == null ? null : String.valueOf(s.get("from"));
                int fromIndex = s.get("fromIndex") instanceof Number n ? n.intValue() : 0;
                list.add(new Link(i, name, wf.toJsonString(), into, fromNode, fromIndex));
            }
            links = list;
            getContext().saveState();
            println(PREFIX + list.size() + " steps on " + (target.isPool() ? "pool " + target.name() : target.name()));
            runNext();
        } catch (Throwable t) {
            finishFailure(stopCause != null ? stopCause : ComfyRunExecution.asStepFailure(t));
        }
    }

    private Workflow workflow(Map<String, Object> s, FilePath ws, String at) throws IOException, InterruptedException {
        Object text = s.get("workflow");
        Object file = s.get("workflowFile");
        if ((text == null) == (file == null)) {
            throw new AbortException(at + ": give workflow: (JSON text) or workflowFile:");
        }
        if (text != null) {
            return Workflow.parse(String.valueOf(text), at);
        }
        String rel = String.valueOf(file);
        if (ws == null) {
            throw new AbortException(at + ": workflowFile: '" + rel + "' is read from the workspace, so run the step inside node { }");
        }
        if (WorkspaceOutputSink.checkOutputDir(rel) != null || !ws.isDescendant(rel) || !ws.child(rel).exists()) {
            throw new AbortException(at + ": workflowFile: '" + rel + "' is not a file inside the workspace " + ws.getRemote());
        }
        return Workflow.parse(ComfyRunExecution.readUtf8(ws.child(rel)), rel);
    }

    /** Continues with the first step that has not ended: reattach if it was sent, else carry the image over and submit. */
    private void runNext() throws IOException, InterruptedException {
        if (stopCause != null) {
            finishFailure(stopCause);
            return;
        }
        Link link = links.stream().filter(l -> !l.isTerminal()).findFirst().orElse(null);
        if (link == null) {
            finishChain();
            return;
        }
        Run<?, ?> run = getContext().get(Run.class);
        if (link.snapshotJson != null) {
            PromptSnapshot s = PromptSnapshots.fromJson(link.snapshotJson);
            ServerConfig config = target.configOf(member, run);
            println(PREFIX + label(link) + ": reattaching to prompt " + s.promptId() + " on " + member);
            PromptHandle h = ComfyRuntime.client().resume(s, config, listener(link));
            cancelCurrent = h::cancel;
            h.result().whenCompleteAsync((r, t) -> onStepResult(link, r, t, config, h), ComfyRuntime.executor());
            return;
        }
        Workflow wf = Workflow.parse(link.workflowJson, link.name);
        if (link.index > 1) {
            Link previous = links.get(link.index - 2);
            ServerConfig config = target.configOf(member, run);
            UploadedFile uploaded = carry(previous, ComfyRuntime.client().http(config));
            println(PREFIX + label(link) + ": " + uploaded.inputValue() + " from step " + previous.index + " goes into " + link.into);
            wf = wf.with(WorkflowOverrides.of(Map.of(link.into, uploaded.inputValue())));
        }
        PromptRequest request = new PromptRequest(wf.toJson(), deadlines(), s -> beforeSubmit(link, s));
        if (member == null) {
            ServerPool pool = target.toPool(run);
            PooledPrompt p = pool.submit(request, listener(link));
            cancelCurrent = p::cancel;
            p.result().whenCompleteAsync((r, t) -> onStepResult(link, r, t,
                    p.member().map(PoolMember::config).orElse(null), p.handle().orElse(null)), ComfyRuntime.executor());
        } else {
            ServerConfig config = target.configOf(member, run);
            PromptHandle h = ComfyRuntime.client().submit(config, request, listener(link));
            cancelCurrent = h::cancel;
            h.result().whenCompleteAsync((r, t) -> onStepResult(link, r, t, config, h), ComfyRuntime.executor());
        }
    }

    /** The previous step's chosen output, fetched from the server and uploaded to it as an input file. */
    private static UploadedFile carry(Link previous, ComfyHttpApi api) throws IOException {
        JsonNode c = JSON.readTree(previous.carriedJson);
        OutputRef ref = new OutputRef(c.path("nodeId").asText(), c.path("filename").asText(), c.path("subfolder").asText(""),
                c.path("type").asText("output"), "images");
        byte[] data;
        try (ViewResponse view = api.view(ref); InputStream in = view.body()) {
            data = in.readNBytes((int) MAX_CARRIED_BYTES + 1);
        }
        if (data.length > MAX_CARRIED_BYTES) {
            throw new AbortException("comfyChain: " + ref.filename() + " of step " + previous.index + " is above the "
                    + MAX_CARRIED_BYTES + "-byte limit for passing an image on");
        }
        return InputUploader.upload(api, SafeNames.segment(ref.filename(), "filename"), data);
    }

    private void beforeSubmit(Link link, PromptSnapshot s) {
        synchronized (this) {
            if (stopCause != null) {
                throw new IllegalStateException("comfyChain was stopped before step " + link.index + " was submitted");
            }
            link.snapshotJson = PromptSnapshots.toJson(s);
            link.promptId = s.promptId();
            link.status = BatchItem.SUBMITTED;
            if (member == null) {
                member = target.members().stream().filter(t -> LogFormat.server(s.server()).equals(ServerTarget.displayUrl(t.url())))
                        .map(ServerTarget::label).findFirst().orElse(target.members().get(0).label());
            }
        }
        try {
            getContext().saveState().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "Could not confirm that step " + link.index + "'s prompt id was saved before submitting", e);
        }
    }

    private ProgressListener listener(Link link) {
        return event -> {
            if (event instanceof PromptEvent.Submitted e) {
                println(PREFIX + label(link) + ": submitted to " + member + " as prompt " + LogFormat.promptId(e.promptId()));
            } else if (event instanceof PromptEvent.Started && BatchItem.SUBMITTED.equals(link.status)) {
                link.status = BatchItem.RUNNING;
                println(PREFIX + label(link) + ": running");
            }
        };
    }

    private void onStepResult(Link link, PromptResult r, Throwable t, ServerConfig config, PromptHandle h) {
        if (finished) {
            return;
        }
        try {
            if (t != null) {
                throw t;
            }
            ArrayList<String> saved = new ArrayList<>();
            FilePath ws = getContext().get(FilePath.class);
            if (r.isSuccess() && ws != null && config != null && !r.outputs().isEmpty()) {
                WorkspaceOutputSink sink = new WorkspaceOutputSink(ws, outputDir + "/" + ComfyBatchExecution.safe(link.name));
                List<DownloadedFile> files = h != null
                        ? OutputDownloader.defaults().downloadAll(ComfyRuntime.client().http(config), h, r.outputs(), sink)
                        : OutputDownloader.defaults().downloadAll(ComfyRuntime.client().http(config), r.outputs(), sink);
                for (DownloadedFile f : files) {
                    if (f.ok()) {
                        saved.add(f.location());
                    }
                }
            }
            link.durationMillis = r.duration().toMillis();
            link.files = saved;
            if (r.isSuccess() && link.index < links.size()) {
                Link next = links.get(link.index);
                link.carriedJson = chosen(r, next, link);
            }
            link.status = stopCause != null && !r.isSuccess() ? "aborted" : r.outcome().label();
            link.message = r.isSuccess() ? "" : r.firstError();
            println(PREFIX + label(link) + ": " + link.status + " in " + LogFormat.duration(r.duration())
                    + (saved.isEmpty() ? "" : ", " + LogFormat.plural(saved.size(), "output") + " saved")
                    + (link.message.isEmpty() ? "" : ": " + link.message));
            getContext().saveState();
            if (stopCause != null) {
                finishFailure(stopCause);
            } else if (!r.isSuccess()) {
                skipRest();
                finishFailure(new AbortException("comfyChain: " + label(link) + " " + link.status + ": " + link.message));
            } else {
                runNext();
            }
        } catch (Throwable e) {
            skipRest();
            finishFailure(stopCause != null ? stopCause : ComfyRunExecution.asStepFailure(e));
        }
    }

    /** Which output of {@code link} goes into {@code next}: its {@code from} node (default: the first that has images). */
    private static String chosen(PromptResult r, Link next, Link link) throws IOException {
        List<OutputRef> candidates = r.outputs().stream().filter(o -> "output".equals(o.type()))
                .filter(o -> next.fromNode == null || next.fromNode.equals(o.nodeId())).toList();
        if (next.fromNode == null && !candidates.isEmpty()) {
            String first = candidates.get(0).nodeId();
            candidates = candidates.stream().filter(o -> o.nodeId().equals(first)).toList();
        }
        if (next.fromIndex >= candidates.size()) {
            throw new AbortException("comfyChain: " + "step " + link.index + " (" + link.name + ") has no output "
                    + (next.fromNode == null ? "" : "of node " + next.fromNode + " ") + "#" + next.fromIndex + " to pass on; it produced "
                    + r.outputs().stream().map(o -> o.nodeId() + ":" + o.filename()).toList());
        }
        OutputRef o = candidates.get(next.fromIndex);
        ObjectNode n = JSON.createObjectNode().put("nodeId", o.nodeId()).put("filename", o.filename())
                .put("subfolder", o.subfolder()).put("type", o.type());
        return JSON.writeValueAsString(n);
    }

    private void skipRest() {
        for (Link l : links) {
            if (!l.isTerminal() && l.snapshotJson == null) {
                l.status = BatchItem.SKIPPED;
            }
        }
    }

    private void finishChain() {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("status", "success");
        result.put("server", member);
        List<Map<String, Object>> list = new ArrayList<>();
        for (Link l : links) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", l.name);
            m.put("status", l.status);
            m.put("promptId", l.promptId);
            m.put("durationMillis", l.durationMillis);
            m.put("outputs", new ArrayList<>(l.files));
            list.add(m);
        }
        result.put("steps", list);
        println(PREFIX + links.size() + " of " + links.size() + " steps succeeded on " + member);
        finishSuccess(result);
    }

    @Override
    public void stop(Throwable cause) {
        if (finished) {
            return;
        }
        Supplier<CompletableFuture<Void>> cancel;
        synchronized (this) {
            if (stopCause == null) {
                stopCause = cause;
            }
            cancel = cancelCurrent;
        }
        if (cancel == null) {
            finishFailure(cause);
            return;
        }
        println(PREFIX + "aborted: cancelling the step in flight; no further step is submitted");
        cancel.get();
        ComfyRuntime.timers().schedule(() -> finishFailure(stopCause), stopGrace.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void onResume() {
        if (finished) {
            return;
        }
        try {
            ComfyRuntime.executor().execute(() -> {
                try {
                    if (links == null) {
                        finishFailure(new AbortException("comfyChain: Jenkins restarted before the chain started; nothing was sent. Run the build again."));
                        return;
                    }
                    println(PREFIX + "Jenkins restarted: continuing the chain");
                    runNext();
                } catch (Throwable t) {
                    finishFailure(stopCause != null ? stopCause : ComfyRunExecution.asStepFailure(t));
                }
            });
        } catch (RejectedExecutionException e) {
            finishFailure(new AbortException("comfyChain: Jenkins is shutting down; the chain was not resumed"));
        }
    }

    @Override
    public String getStatus() {
        List<Link> list = links;
        if (finished || list == null) {
            return finished ? "finished" : "preparing the chain";
        }
        return list.stream().filter(l -> !l.isTerminal()).findFirst().map(l -> label(l) + " " + l.status + " on " + member).orElse("finishing");
    }

    private Deadlines deadlines() {
        return timeoutMinutes == null ? Deadlines.DEFAULTS : Deadlines.DEFAULTS.withTotal(Duration.ofMinutes(timeoutMinutes));
    }

    private String label(Link l) {
        return "step " + l.index + "/" + links.size() + " (" + l.name + ")";
    }

    private void println(String line) {
        try {
            TaskListener l = getContext().get(TaskListener.class);
            (l == null ? TaskListener.NULL : l).getLogger().println(line);
        } catch (IOException | InterruptedException e) {
            LOG.log(System.Logger.Level.DEBUG, line);
        }
    }

    private void finishSuccess(Object result) {
        if (markFinished()) {
            getContext().onSuccess(result);
        }
    }

    private void finishFailure(Throwable t) {
        if (markFinished()) {
            getContext().onFailure(t);
        }
    }

    private synchronized boolean markFinished() {
        if (finished) {
            return false;
        }
        finished = true;
        return true;
    }

    List<Link> links() {
        return links;
    }

    private static final long serialVersionUID = 1L;
}
