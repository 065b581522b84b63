package io.jenkins.plugins.comfyrun;

import com.fasterxml.jackson.databind.ObjectMapper;
import hudson.AbortException;
import hudson.FilePath;
import hudson.model.Run;
import hudson.model.TaskListener;
import io.comfyrun.client.ComfyClient;
import io.comfyrun.client.Deadlines;
import io.comfyrun.client.Outcome;
import io.comfyrun.client.PromptError;
import io.comfyrun.client.PromptHandle;
import io.comfyrun.client.PromptRequest;
import io.comfyrun.client.PromptResult;
import io.comfyrun.client.PromptSnapshot;
import io.comfyrun.client.PromptSnapshots;
import io.comfyrun.client.ServerConfig;
import io.comfyrun.client.batch.Batch;
import io.comfyrun.client.batch.BatchJob;
import io.comfyrun.client.batch.BatchResult;
import io.comfyrun.client.batch.JobResult;
import io.comfyrun.client.files.DownloadedFile;
import io.comfyrun.client.files.OutputDownloader;
import io.comfyrun.client.pool.PoolListener;
import io.comfyrun.client.pool.PoolMember;
import io.comfyrun.client.pool.PooledPrompt;
import io.comfyrun.client.pool.ServerPool;
import io.comfyrun.client.progress.ProgressListener;
import io.comfyrun.client.progress.PromptEvent;
import io.comfyrun.client.progress.log.LogFormat;
import io.comfyrun.client.workflow.InvalidWorkflowException;
import io.comfyrun.client.workflow.Workflow;
import io.comfyrun.client.workflow.WorkflowOverrides;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.jenkinsci.plugins.workflow.steps.StepContext;
import org.jenkinsci.plugins.workflow.steps.StepExecution;

/**
 * The durable execution of {@code comfyBatch}. Like {@link ComfyRunExecution}, nothing waits on a thread: the engine's
 * {@link Batch} starts an item when another ends, through the pool ({@link PoolTarget}).
 *
 * <ul>
 *   <li>Every item's prompt id is persisted (its {@link BatchItem#snapshotJson}, then {@code saveState()}) before
 *       its {@code POST /prompt}.</li>
 *   <li>After a restart {@link #onResume()} reattaches to every item that was sent and not finished, and submits
 *       only the items never sent; finished items are kept as they were.</li>
 *   <li>{@link #stop(Throwable)} cancels exactly our prompts (queue delete or targeted interrupt, through the engine),
 *       submits nothing more, and ends the step with the cause.</li>
 * </ul>
 *
 * Console: one line per item state change (submitted, running, finished) and a summary; an item's per-node log
 * is not printed (the build page has every item).
 */
public class ComfyBatchExecution extends StepExecution {
    static volatile Duration stopGrace = Duration.ofSeconds(25);
    private static final System.Logger LOG = System.getLogger(ComfyBatchExecution.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String PREFIX = "[comfyBatch] ";

    // ----- persisted -----
    private final PoolTarget target;
    private final String outputDir;
    private final Integer timeoutMinutes;
    private final int concurrency;
    private final boolean failFast;
    private final int batchNumber;
    private volatile String workflowJson;
    private volatile ArrayList<BatchItem> items;
    private volatile boolean finished;

    // ----- transient -----
    private final transient ComfyBatchStep step;
    private transient volatile Batch.BatchRun batchRun;
    private transient volatile Throwable stopCause;
    private transient volatile ComfyBatchAction action;

    ComfyBatchExecution(StepContext context, ComfyBatchStep step) throws IOException, InterruptedException {
        super(context);
        this.step = step;
        String problem = WorkspaceOutputSink.checkOutputDir(step.getOutputDir());
        if (problem != null) {
            throw new AbortException("comfyBatch: " + problem);
        }
        if ((step.getWorkflow() == null) == (step.getWorkflowFile() == null)) {
            throw new AbortException("comfyBatch: give the workflow with either workflow: (API-format JSON text) or workflowFile:");
        }
        if ((step.getItems() == null) == (step.getItemsFile() == null)) {
            throw new AbortException("comfyBatch: give the items with either items: [[...], ...] or itemsFile: with template:");
        }
        if (step.getItemsFile() != null && (step.getTemplate() == null || step.getTemplate().isEmpty())) {
            throw new AbortException("comfyBatch: itemsFile: needs template:, e.g. template: ['\"Positive Prompt\".text': '{line}']");
        }
        if (step.getConcurrency() < 1) {
            throw new AbortException("comfyBatch: concurrency must be at least 1, got " + step.getConcurrency());
        }
        this.target = PoolTarget.resolve("comfyBatch", step.getServer(), ComfyGlobalConfiguration.get());
        this.outputDir = step.effectiveOutputDir();
        this.timeoutMinutes = step.getTimeout();
        this.concurrency = step.getConcurrency();
        this.failFast = step.isFailFast();
        Run<?, ?> run = context.get(Run.class);
        this.batchNumber = run == null ? 1 : run.getActions(ComfyBatchAction.class).size() + 1;
    }

    @Override
    public boolean start() throws Exception {
        try {
            ComfyRuntime.executor().execute(this::prepareAndRun);
        } catch (RejectedExecutionException e) {
            throw new AbortException("comfyBatch: Jenkins is shutting down; nothing was sent");
        }
        return false;
    }

    // ===== preparation (pool thread) =====

    private void prepareAndRun() {
        try {
            FilePath ws = getContext().get(FilePath.class);
            Workflow workflow = loadWorkflow(ws);
            List<Map<String, Object>> sets = itemSets(ws);
            if (sets.isEmpty()) {
                throw new AbortException("comfyBatch: there are no items to run");
            }
            ArrayList<BatchItem> list = new ArrayList<>();
            for (int i = 0; i < sets.size(); i++) {
                Map<String, Object> set = new LinkedHashMap<>(sets.get(i));
                Object n = set.remove("name");
                String name = n == null ? "item-" + (i + 1) : String.valueOf(n);
                try {
                    workflow.with(WorkflowOverrides.of(set)); // every item is checked before anything is sent
                } catch (IllegalArgumentException e) {
                    throw new AbortException("comfyBatch: item " + (i + 1) + " (" + name + "): " + e.getMessage());
                }
                list.add(new BatchItem(i + 1, name, JSON.writeValueAsString(set)));
            }
            this.workflowJson = workflow.toJsonString();
            this.items = list;
            actionOrNew();
            getContext().saveState();
            println(PREFIX + list.size() + " items on " + (target.isPool() ? "pool " + target.name() + " (" + target.members().size()
                    + " servers)" : target.name()) + ", " + concurrency + " at a time" + (failFast ? ", fail-fast" : ""));
            runBatch();
        } catch (Throwable t) {
            finishFailure(stopCause != null ? stopCause : ComfyRunExecution.asStepFailure(t));
        }
    }

    private Workflow loadWorkflow(FilePath ws) throws IOException, InterruptedException {
        if (step.getWorkflow() != null) {
            return Workflow.parse(step.getWorkflow(), "workflow argument");
        }
        return Workflow.parse(readWorkspaceFile(ws, step.getWorkflowFile(), "workflowFile"), step.getWorkflowFile());
    }

    private List<Map<String, Object>> itemSets(FilePath ws) throws IOException, InterruptedException {
        if (step.getItems() != null) {
            return step.getItems();
        }
        String text = readWorkspaceFile(ws, step.getItemsFile(), "itemsFile");
        List<Map<String, Object>> sets = new ArrayList<>();
        int index = 0;
        for (String line : text.lines().map(String::strip).toList()) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            index++;
            Map<String, Object> set = new LinkedHashMap<>();
            for (Map.Entry<String, Object> e : step.getTemplate().entrySet()) {
                Object v = e.getValue();
                if ("{index}".equals(v)) {
                    v = index;
                } else if (v instanceof String s) {
                    v = s.replace("{line}", line).replace("{index}", Integer.toString(index));
                }
                set.put(e.getKey(), v);
            }
            sets.add(set);
        }
        return sets;
    }

    private static String readWorkspaceFile(FilePath ws, String rel, String what) throws IOException, InterruptedException {
        if (ws == null) {
            throw new AbortException("comfyBatch: " + what + ": '" + rel + "' is read from the workspace, so run the step inside node { }");
        }
        if (WorkspaceOutputSink.checkOutputDir(rel) != null || !ws.isDescendant(rel)) {
            throw new AbortException("comfyBatch: " + what + ": '" + rel + "' must be a path inside the workspace");
        }
        FilePath f = ws.child(rel);
        if (!f.exists()) {
            throw new AbortException("comfyBatch: " + what + ": '" + rel + "' does not exist in the workspace " + ws.getRemote());
        }
        return ComfyRunExecution.readUtf8(f);
    }

    // ===== the batch =====

    /** Starts (or, after a restart, continues) the batch: items sent before go first, then the never-sent ones. */
    private void runBatch() throws IOException, InterruptedException {
        Run<?, ?> run = getContext().get(Run.class);
        ServerPool pool = target.toPool(run);
        List<BatchJob> jobs = new ArrayList<>();
        for (BatchItem item : items) {
            if (!item.isTerminal() && item.wasSent()) {
                jobs.add(new ItemJob(item, pool, run));
            }
        }
        for (BatchItem item : items) {
            if (!item.isTerminal() && !item.wasSent()) {
                jobs.add(new ItemJob(item, pool, run));
            }
        }
        Batch.BatchRun br;
        synchronized (this) {
            if (stopCause != null) {
                finishFailure(stopCause);
                return;
            }
            br = Batch.builder().maxConcurrency(concurrency).maxPerServer(concurrency)
                    .mode(failFast ? Batch.Mode.FAIL_FAST : Batch.Mode.KEEP_GOING).build().start(jobs);
            batchRun = br;
        }
        br.result().whenCompleteAsync((r, t) -> onBatchDone(r, t), ComfyRuntime.executor());
    }

    /** One item as a batch job: reattached when it was sent before a restart, else submitted through the pool. */
    private final class ItemJob implements BatchJob {
        private final BatchItem item;
        private final ServerPool pool;
        private final Run<?, ?> run;

        ItemJob(BatchItem item, ServerPool pool, Run<?, ?> run) {
            this.item = item;
            this.pool = pool;
            this.run = run;
        }

        @Override
        public String name() {
            return item.name;
        }

        @Override
        public URI server() {
            return URI.create("pool:batch");
        }

        @Override
        public Running start() {
            ComfyClient client = ComfyRuntime.client();
            CompletableFuture<JobResult> result;
            java.util.function.Supplier<CompletableFuture<Void>> cancel;
            try {
                if (item.wasSent()) {
                    PromptSnapshot s = PromptSnapshots.fromJson(item.snapshotJson);
                    ServerConfig config = target.configOf(item.server, run);
                    println(PREFIX + label(item) + ": reattaching to prompt " + s.promptId() + " on " + item.server);
                    PromptHandle h = client.resume(s, config, listener(item));
                    result = h.result().thenComposeAsync(r -> finishItem(item, r, config, h), ComfyRuntime.executor());
                    cancel = h::cancel;
                } else {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> set = JSON.readValue(item.setJson, Map.class);
                    Workflow wf = Workflow.parse(workflowJson, "workflow").with(WorkflowOverrides.of(set));
                    PromptRequest request = new PromptRequest(wf.toJson(), deadlines(), s -> beforeSubmit(item, pool, s));
                    PooledPrompt p = pool.submit(request, listener(item), poolListener(item));
                    result = p.result().thenComposeAsync(r -> finishItem(item, r,
                            p.member().map(PoolMember::config).orElse(null), p.handle().orElse(null)), ComfyRuntime.executor());
                    cancel = p::cancel;
                }
            } catch (IOException | RuntimeException e) {
                result = CompletableFuture.completedFuture(itemFailed(item, "could not start: " + e.getMessage()));
                cancel = () -> CompletableFuture.completedFuture(null);
            }
            CompletableFuture<JobResult> r = result.exceptionally(t -> itemFailed(item, String.valueOf(t.getMessage())));
            java.util.function.Supplier<CompletableFuture<Void>> c = cancel;
            return new Running() {
                @Override
                public CompletableFuture<JobResult> result() {
                    return r;
                }

                @Override
                public CompletableFuture<Void> cancel() {
                    return c.get();
                }
            };
        }
    }

    /** Engine hook before the POST: persist the prompt id, or refuse the POST once the build is being stopped. */
    private void beforeSubmit(BatchItem item, ServerPool pool, PromptSnapshot s) {
        synchronized (this) {
            if (stopCause != null) {
                throw new IllegalStateException("comfyBatch was stopped before item " + item.index + " was submitted");
            }
            item.snapshotJson = PromptSnapshots.toJson(s);
            item.promptId = s.promptId();
            item.server = pool.memberAt(s.server()).map(PoolMember::name).orElse(LogFormat.server(s.server()));
            item.status = BatchItem.SUBMITTED;
        }
        updatePage(item);
        try {
            getContext().saveState().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "Could not confirm that item " + item.index + "'s prompt id was saved before submitting", e);
        }
    }

    private ProgressListener listener(BatchItem item) {
        return new ProgressListener() {
            @Override
            public void onEvent(PromptEvent event) {
                if (event instanceof PromptEvent.Submitted e) {
                    println(PREFIX + label(item) + ": submitted to " + item.server + " as prompt " + LogFormat.promptId(e.promptId()));
                } else if (event instanceof PromptEvent.Started && !BatchItem.RUNNING.equals(item.status) && !item.isTerminal()) {
                    item.status = BatchItem.RUNNING;
                    println(PREFIX + label(item) + ": running on " + item.server);
                    updatePage(item);
                }
            }

            @Override
            public void onSnapshot(PromptSnapshot s) {
                if (!item.isTerminal() && s.promptId().equals(item.promptId)) {
                    item.snapshotJson = PromptSnapshots.toJson(s); // deadlines stay absolute across a restart
                }
            }
        };
    }

    private PoolListener poolListener(BatchItem item) {
        return new PoolListener() {
            @Override
            public void skipped(PoolMember member, String reason) {
                println(PREFIX + label(item) + ": " + member.name() + " could not be reached before the prompt was posted; trying another member");
            }
        };
    }

    private CompletableFuture<JobResult> finishItem(BatchItem item, PromptResult r, ServerConfig config, PromptHandle h) {
        List<DownloadedFile> files = List.of();
        String problem = null;
        try {
            FilePath ws = getContext().get(FilePath.class);
            if (r.isSuccess() && stopCause == null && ws != null && config != null && !r.outputs().isEmpty()) {
                WorkspaceOutputSink sink = new WorkspaceOutputSink(ws, outputDir + "/" + safe(item.name));
                files = h != null ? OutputDownloader.defaults().downloadAll(ComfyRuntime.client().http(config), h, r.outputs(), sink)
                        : OutputDownloader.defaults().downloadAll(ComfyRuntime.client().http(config), r.outputs(), sink);
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            problem = "outputs not saved: " + e.getMessage();
        }
        ArrayList<String> saved = new ArrayList<>();
        for (DownloadedFile f : files) {
            if (f.ok()) {
                saved.add(f.location());
            } else if (problem == null) {
                problem = "output not saved: " + f.error();
            }
        }
        synchronized (this) {
            item.status = stopCause != null && !r.isSuccess() ? "aborted" : problem != null ? "failed" : r.outcome().label();
            item.durationMillis = r.duration().toMillis();
            item.message = problem != null ? problem : r.isSuccess() ? "" : r.firstError();
            item.files = saved;
            if (r.server() != null && item.server == null) {
                item.server = LogFormat.server(r.server());
            }
        }
        println(PREFIX + label(item) + ": " + item.status + (item.durationMillis >= 0 ? " in " + LogFormat.duration(Duration.ofMillis(item.durationMillis)) : "")
                + (saved.isEmpty() ? "" : ", " + LogFormat.plural(saved.size(), "output") + " saved")
                + (item.message.isEmpty() ? "" : ": " + item.message));
        updatePage(item);
        getContext().saveState();
        Outcome outcome = problem != null ? Outcome.FAILED : r.outcome();
        return CompletableFuture.completedFuture(new JobResult(item.name, outcome, List.of(r), List.of(), item.message));
    }

    private JobResult itemFailed(BatchItem item, String why) {
        synchronized (this) {
            if (!item.isTerminal()) {
                item.status = "failed";
                item.message = why;
            }
        }
        println(PREFIX + label(item) + ": failed: " + why);
        updatePage(item);
        return new JobResult(item.name, Outcome.FAILED, List.of(), List.of(), why);
    }

    private void onBatchDone(BatchResult r, Throwable t) {
        if (finished) {
            return;
        }
        int ok = 0;
        int failed = 0;
        int skipped = 0;
        int aborted = 0;
        for (BatchItem item : items) {
            if (!item.isTerminal()) {
                item.status = BatchItem.SKIPPED;
                item.message = stopCause != null ? "not started: the build was aborted" : "not started: fail-fast after an item failed";
                updatePage(item);
            }
            if ("success".equals(item.status)) {
                ok++;
            } else if (BatchItem.SKIPPED.equals(item.status)) {
                skipped++;
            } else if ("aborted".equals(item.status)) {
                aborted++; // cancelled because the build was aborted: not a failure of the item
            } else {
                failed++;
            }
        }
        String summary = PREFIX + ok + " of " + items.size() + " succeeded" + (failed > 0 ? ", " + failed + " failed" : "")
                + (aborted > 0 ? ", " + aborted + " aborted" : "") + (skipped > 0 ? ", " + skipped + " skipped" : "");
        println(summary);
        ComfyBatchAction a = action;
        if (a != null) {
            a.done();
            saveRun();
        }
        if (stopCause != null) {
            finishFailure(stopCause);
            return;
        }
        if (failFast && failed > 0) {
            finishFailure(new AbortException("comfyBatch (fail-fast): " + summary.substring(PREFIX.length())
                    + "; first failure: " + items.stream().filter(i -> !"success".equals(i.status) && !BatchItem.SKIPPED.equals(i.status))
                            .findFirst().map(i -> label(i) + ": " + i.message).orElse("")));
            return;
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("total", items.size());
        result.put("succeeded", ok);
        result.put("failed", failed);
        result.put("skipped", skipped);
        List<Map<String, Object>> list = new ArrayList<>();
        items.forEach(i -> list.add(i.toMap()));
        result.put("items", list);
        finishSuccess(result);
    }

    // ===== stop / resume =====

    @Override
    public void stop(Throwable cause) {
        if (finished) {
            return;
        }
        Batch.BatchRun br;
        synchronized (this) {
            if (stopCause == null) {
                stopCause = cause;
            }
            br = batchRun;
        }
        if (br == null) {
            finishFailure(cause); // nothing sent yet, nor will be: runBatch() and beforeSubmit() see stopCause
            return;
        }
        println(PREFIX + "aborted: cancelling our prompts (" + br.inFlight() + " in flight); nothing more is submitted");
        br.cancel();
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
                    if (items == null) {
                        finishFailure(new AbortException("comfyBatch: Jenkins restarted before the batch started; nothing was sent. Run the build again."));
                        return;
                    }
                    long inFlight = items.stream().filter(i -> !i.isTerminal() && i.wasSent()).count();
                    long notSent = items.stream().filter(i -> !i.isTerminal() && !i.wasSent()).count();
                    println(PREFIX + "Jenkins restarted: reattaching to " + inFlight + " item(s) in flight; " + notSent
                            + " never sent will be submitted");
                    actionOrNew();
                    runBatch();
                } catch (Throwable t) {
                    finishFailure(stopCause != null ? stopCause : ComfyRunExecution.asStepFailure(t));
                }
            });
        } catch (RejectedExecutionException e) {
            finishFailure(new AbortException("comfyBatch: Jenkins is shutting down; the batch was not resumed"));
        }
    }

    @Override
    public String getStatus() {
        List<BatchItem> list = items;
        if (finished) {
            return "finished";
        }
        if (list == null) {
            return "preparing the batch";
        }
        long done = list.stream().filter(BatchItem::isTerminal).count();
        long running = list.stream().filter(i -> BatchItem.RUNNING.equals(i.status)).count();
        return done + " of " + list.size() + " items done, " + running + " running";
    }

    // ===== plumbing =====

    private Deadlines deadlines() {
        Deadlines d = Deadlines.DEFAULTS;
        return timeoutMinutes == null ? d : d.withTotal(Duration.ofMinutes(timeoutMinutes));
    }

    private String label(BatchItem item) {
        return "item " + item.index + "/" + items.size() + " (" + item.name + ")";
    }

    static String safe(String name) {
        String s = name.replaceAll("[^A-Za-z0-9._-]", "_");
        return s.isEmpty() || s.startsWith(".") ? "item" + s : s;
    }

    private void actionOrNew() throws IOException, InterruptedException {
        Run<?, ?> run = getContext().get(Run.class);
        for (ComfyBatchAction existing : run.getActions(ComfyBatchAction.class)) {
            if (existing.getNumber() == batchNumber) {
                action = existing;
                items.forEach(existing::update);
                return;
            }
        }
        ComfyBatchAction a = new ComfyBatchAction(batchNumber, target.name());
        items.forEach(a::update);
        run.addAction(a);
        action = a;
        saveRun();
    }

    private void updatePage(BatchItem item) {
        ComfyBatchAction a = action;
        if (a != null) {
            a.update(item);
        }
    }

    private void saveRun() {
        try {
            getContext().get(Run.class).save();
        } catch (IOException | InterruptedException e) {
            LOG.log(System.Logger.Level.WARNING, "Could not save the build after updating its comfyBatch table", e);
        }
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

    // test access
    List<BatchItem> items() {
        return items;
    }

    boolean isFinished() {
        return finished;
    }

    private static final long serialVersionUID = 1L;
}
