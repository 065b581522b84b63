package io.comfyrun.client.batch;

import io.comfyrun.client.ComfyClient;
import io.comfyrun.client.Deadlines;
import io.comfyrun.client.Outcome;
import io.comfyrun.client.PromptHandle;
import io.comfyrun.client.PromptRequest;
import io.comfyrun.client.PromptResult;
import io.comfyrun.client.ServerConfig;
import io.comfyrun.client.files.DownloadedFile;
import io.comfyrun.client.progress.ProgressListener;
import io.comfyrun.client.workflow.Workflow;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/** A single workflow as a batch job: submit, follow, then download its outputs if a sink is given. */
public final class PromptJob implements BatchJob {

    private final String name;
    private final ComfyClient client;
    private final ServerConfig server;
    private final Workflow workflow;
    private final Deadlines deadlines;
    private final ProgressListener listener;
    private final OutputHandling outputs;
    private final Consumer<PromptHandle> onSubmit;
    private final ObjectNode extraData;

    /**
     * @param workflow  overrides already applied
     * @param listener  receives the prompt's events (e.g. a {@code ProgressLog}); may be {@code null}
     * @param onSubmit  told the handle as soon as the prompt is submitted (e.g. to cancel it on Ctrl-C); may be {@code null}
     */
    public PromptJob(String name, ComfyClient client, ServerConfig server, Workflow workflow, Deadlines deadlines,
                     ProgressListener listener, OutputHandling outputs, Consumer<PromptHandle> onSubmit) {
        this(name, client, server, workflow, deadlines, listener, outputs, onSubmit, null);
    }

    private PromptJob(String name, ComfyClient client, ServerConfig server, Workflow workflow, Deadlines deadlines,
                      ProgressListener listener, OutputHandling outputs, Consumer<PromptHandle> onSubmit,
                      ObjectNode extraData) {
        this.extraData = extraData;
        this.name = Objects.requireNonNull(name, "name");
        this.client = Objects.requireNonNull(client, "client");
        this.server = Objects.requireNonNull(server, "server");
        this.workflow = Objects.requireNonNull(workflow, "workflow");
        this.deadlines = deadlines;
        this.listener = listener == null ? e -> { } : listener;
        this.outputs = Objects.requireNonNull(outputs, "outputs");
        this.onSubmit = onSubmit == null ? h -> { } : onSubmit;
    }

    /** The same job posting {@code extra_data} too (e.g. the editor's graph for a converted UI-format workflow). */
    public PromptJob withExtraData(ObjectNode extra) {
        return new PromptJob(name, client, server, workflow, deadlines, listener, outputs, onSubmit, extra);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public URI server() {
        return server.baseUrl();
    }

    @Override
    public Running start() {
        PromptHandle handle;
        try {
            handle = client.submit(server, new PromptRequest(workflow.toJson(), deadlines, null, extraData), listener);
        } catch (RuntimeException e) {
            JobResult failed = new JobResult(name, Outcome.FAILED, List.of(), List.of(), "could not submit: " + e.getMessage());
            return new Running() {
                @Override
                public CompletableFuture<JobResult> result() {
                    return CompletableFuture.completedFuture(failed);
                }

                @Override
                public CompletableFuture<Void> cancel() {
                    return CompletableFuture.completedFuture(null);
                }
            };
        }
        onSubmit.accept(handle);
        CompletableFuture<JobResult> result = handle.result()
                .thenCompose(r -> Transfers.downloadIfSuccess(client, server, r, outputs)
                        .thenApply(files -> toJobResult(name, r, files)))
                .exceptionally(e -> new JobResult(name, Outcome.FAILED, List.of(), List.of(), String.valueOf(e.getMessage())));
        return new Running() {
            @Override
            public CompletableFuture<JobResult> result() {
                return result;
            }

            @Override
            public CompletableFuture<Void> cancel() {
                return handle.cancel();
            }
        };
    }

    static JobResult toJobResult(String name, PromptResult r, List<DownloadedFile> files) {
        String message = r.isSuccess()
                ? files.stream().filter(f -> !f.ok()).map(DownloadedFile::error).findFirst().orElse("")
                : r.firstError();
        return new JobResult(name, r.outcome(), List.of(r), files, message);
    }
}
