package io.comfyrun.client.batch;

import io.comfyrun.client.ComfyClient;
import io.comfyrun.client.ComfyHttpApi;
import io.comfyrun.client.Deadlines;
import io.comfyrun.client.Outcome;
import io.comfyrun.client.OutputRef;
import io.comfyrun.client.PromptHandle;
import io.comfyrun.client.PromptRequest;
import io.comfyrun.client.PromptResult;
import io.comfyrun.client.ServerConfig;
import io.comfyrun.client.UploadedFile;
import io.comfyrun.client.ViewResponse;
import io.comfyrun.client.files.DownloadedFile;
import io.comfyrun.client.files.InputUploader;
import io.comfyrun.client.files.SafeNames;
import io.comfyrun.client.progress.ProgressListener;
import io.comfyrun.client.workflow.InvalidWorkflowException;
import io.comfyrun.client.workflow.Workflow;
import io.comfyrun.client.workflow.WorkflowOverrides;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;

/**
 * Workflows run one after the other, where a chosen output image of step N becomes a chosen input of step
 * N+1: the image is downloaded through {@code /view}, uploaded through {@code /upload/image} (so steps may
 * even run on different servers) and its stored name is set on the input (e.g. {@code LoadImage.image}).
 * The chain stops at the first step that does not succeed.
 *
 * <pre>{@code
 * Chain chain = new Chain("portrait", client, server, List.of(
 *         Chain.Step.first("txt2img", txt2img),
 *         Chain.Step.then("refine", img2img, new Chain.From("9", 0), "LoadImage.image")),
 *     deadlines, listenerFactory, outputs, handle -> {});
 * }</pre>
 */
public final class Chain implements BatchJob {

    /** Largest image carried from one step to the next: ComfyUI's default upload limit. */
    public static final long MAX_CARRIED_BYTES = InputUploader.DEFAULT_MAX_BYTES;

    /**
     * Which output of the previous step to carry over.
     *
     * @param nodeId the output node's id, or {@code null} for the first node that produced a file
     * @param index  which of that node's files (0-based)
     */
    public record From(String nodeId, int index) {
        public From {
            if (index < 0) {
                throw new IllegalArgumentException("output index must be 0 or more, got " + index);
            }
        }

        public static From firstOutput() {
            return new From(null, 0);
        }

        @Override
        public String toString() {
            return (nodeId == null ? "first output node" : "node " + nodeId) + " output #" + index;
        }
    }

    /**
     * One step.
     *
     * @param name     for logs and results
     * @param workflow overrides already applied
     * @param from     which output of the previous step to use, {@code null} for the first step
     * @param into     the input that receives it, as an override key: {@code 10.image}, {@code LoadImage.image},
     *                 {@code "Load Image".image}; {@code null} for the first step
     */
    public record Step(String name, Workflow workflow, From from, String into) {
        public Step {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(workflow, "workflow");
            if ((from == null) != (into == null)) {
                throw new IllegalArgumentException("chain step '" + name + "': give both 'from' and 'into', or neither");
            }
            if (into != null) {
                // fail now, before anything runs, if the target does not exist in this workflow
                workflow.with(WorkflowOverrides.of(Map.of(into, "placeholder.png")));
            }
        }

        public static Step first(String name, Workflow workflow) {
            return new Step(name, workflow, null, null);
        }

        public static Step then(String name, Workflow workflow, From from, String into) {
            return new Step(name, workflow, Objects.requireNonNull(from, "from"), Objects.requireNonNull(into, "into"));
        }
    }

    private final String name;
    private final ComfyClient client;
    private final ServerConfig server;
    private final List<Step> steps;
    private final Deadlines deadlines;
    private final java.util.function.Function<Step, ProgressListener> listeners;
    private final OutputHandling outputs;
    private final Consumer<PromptHandle> onSubmit;

    /**
     * @param listeners gives each step its listener (e.g. a {@code ProgressLog} with the step's name as prefix)
     * @param onSubmit  told each step's handle as soon as it is submitted (e.g. for Ctrl-C); may be {@code null}
     */
    public Chain(String name, ComfyClient client, ServerConfig server, List<Step> steps, Deadlines deadlines,
                 java.util.function.Function<Step, ProgressListener> listeners, OutputHandling outputs,
                 Consumer<PromptHandle> onSubmit) {
        this.name = Objects.requireNonNull(name, "name");
        this.client = Objects.requireNonNull(client, "client");
        this.server = Objects.requireNonNull(server, "server");
        this.steps = List.copyOf(steps);
        if (this.steps.isEmpty()) {
            throw new IllegalArgumentException("chain '" + name + "' has no steps");
        }
        if (this.steps.get(0).from() != null) {
            throw new IllegalArgumentException("chain '" + name + "': the first step has no previous step to take 'from'");
        }
        this.deadlines = deadlines;
        this.listeners = listeners == null ? s -> e -> { } : listeners;
        this.outputs = Objects.requireNonNull(outputs, "outputs");
        this.onSubmit = onSubmit == null ? h -> { } : onSubmit;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public URI server() {
        return server.baseUrl();
    }

    public List<Step> steps() {
        return steps;
    }

    @Override
    public Running start() {
        RunningChain run = new RunningChain();
        run.startStep(0, steps.get(0).workflow());
        return run;
    }

    private final class RunningChain implements Running {
        private final CompletableFuture<JobResult> result = new CompletableFuture<>();
        private final List<PromptResult> prompts = new ArrayList<>();
        private final List<DownloadedFile> files = new ArrayList<>();
        private PromptHandle current;
        private boolean cancelled;

        @Override
        public CompletableFuture<JobResult> result() {
            return result;
        }

        @Override
        public CompletableFuture<Void> cancel() {
            PromptHandle h;
            synchronized (this) {
                cancelled = true;
                h = current;
            }
            if (h == null) {
                finish(Outcome.INTERRUPTED, "chain cancelled");
                return CompletableFuture.completedFuture(null);
            }
            return h.cancel();
        }

        private void startStep(int i, Workflow workflow) {
            Step step = steps.get(i);
            PromptHandle handle;
            synchronized (this) {
                if (cancelled) {
                    finish(Outcome.INTERRUPTED, "chain cancelled before step '" + step.name() + "'");
                    return;
                }
                try {
                    handle = client.submit(server, new PromptRequest(workflow.toJson(), deadlines, null), listeners.apply(step));
                } catch (RuntimeException e) {
                    finish(Outcome.FAILED, "step '" + step.name() + "' could not be submitted: " + e.getMessage());
                    return;
                }
                current = handle;
            }
            onSubmit.accept(handle);
            handle.result()
                    .thenCompose(r -> Transfers.downloadIfSuccess(client, server, r, outputs).thenApply(f -> {
                        synchronized (this) {
                            prompts.add(r);
                            files.addAll(f);
                        }
                        return r;
                    }))
                    .whenComplete((r, e) -> {
                        if (e != null) {
                            finish(Outcome.FAILED, "step '" + step.name() + "': " + rootMessage(e));
                        } else if (!r.isSuccess()) {
                            finish(r.outcome(), "step '" + step.name() + "' " + r.outcome().name().toLowerCase()
                                    + (r.firstError().isEmpty() ? "" : ": " + r.firstError()));
                        } else if (i + 1 == steps.size()) {
                            finish(Outcome.SUCCESS, "");
                        } else {
                            carryOver(i, r);
                        }
                    });
        }

        /** Download the chosen output of step i and upload it for step i+1, on the I/O executor. */
        private void carryOver(int i, PromptResult previous) {
            Step nextStep = steps.get(i + 1);
            CompletableFuture.supplyAsync(() -> {
                OutputRef chosen = choose(previous, nextStep.from(), steps.get(i).name());
                ComfyHttpApi api = client.http(server);
                byte[] data = fetch(api, chosen);
                try {
                    UploadedFile uploaded = InputUploader.upload(api, SafeNames.segment(chosen.filename(), "filename"), data);
                    return nextStep.workflow().with(WorkflowOverrides.of(Map.of(nextStep.into(), uploaded.inputValue())));
                } catch (IOException e) {
                    throw new UncheckedIOException("uploading " + chosen.filename() + " for step '" + nextStep.name() + "': "
                            + e.getMessage(), e);
                }
            }, outputs.io()).whenComplete((wf, e) -> {
                if (e != null) {
                    finish(Outcome.FAILED, "passing the output of step '" + steps.get(i).name() + "' to step '"
                            + nextStep.name() + "' failed: " + rootMessage(e));
                } else {
                    startStep(i + 1, wf);
                }
            });
        }

        private void finish(Outcome outcome, String message) {
            JobResult jr;
            synchronized (this) {
                jr = new JobResult(name, outcome, prompts, files, message);
            }
            result.complete(jr);
        }
    }

    static OutputRef choose(PromptResult r, From from, String stepName) {
        List<OutputRef> candidates = r.outputs().stream()
                .filter(o -> "output".equals(o.type()))
                .filter(o -> from.nodeId() == null || from.nodeId().equals(o.nodeId()))
                .toList();
        if (from.nodeId() == null && !candidates.isEmpty()) {
            String firstNode = candidates.get(0).nodeId();
            candidates = candidates.stream().filter(o -> o.nodeId().equals(firstNode)).toList();
        }
        if (from.index() >= candidates.size()) {
            throw new InvalidWorkflowException("step '" + stepName + "' has no " + from + " to pass on: it produced "
                    + r.outputs().stream().map(o -> o.nodeId() + ":" + o.path()).toList());
        }
        return candidates.get(from.index());
    }

    private static byte[] fetch(ComfyHttpApi api, OutputRef ref) {
        try (ViewResponse view = api.view(ref)) {
            if (view.contentLength() > MAX_CARRIED_BYTES) {
                throw new IOException(ref.path() + " is " + view.contentLength() + " bytes, above the " + MAX_CARRIED_BYTES + "-byte upload limit");
            }
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            byte[] chunk = new byte[64 * 1024];
            InputStream in = view.body();
            int n;
            while ((n = in.read(chunk)) >= 0) {
                if (buf.size() + n > MAX_CARRIED_BYTES) {
                    throw new IOException(ref.path() + " is above the " + MAX_CARRIED_BYTES + "-byte upload limit");
                }
                buf.write(chunk, 0, n);
            }
            return buf.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException("downloading " + ref.path() + ": " + e.getMessage(), e);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while ((t instanceof CompletionException || t instanceof UncheckedIOException) && t.getCause() != null
                && t.getMessage() == null) {
            t = t.getCause();
        }
        if (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
