package io.comfyrun.client.batch;

import io.comfyrun.client.ComfyClient;
import io.comfyrun.client.PromptResult;
import io.comfyrun.client.ServerConfig;
import io.comfyrun.client.files.DownloadedFile;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** The blocking transfers of jobs, moved onto the caller's I/O executor. */
final class Transfers {

    private Transfers() {
    }

    static CompletableFuture<List<DownloadedFile>> downloadIfSuccess(ComfyClient client, ServerConfig server, PromptResult r,
                                                                     OutputHandling outputs) {
        if (!r.isSuccess() || outputs.sink() == null || r.outputs().isEmpty()) {
            return CompletableFuture.completedFuture(List.of());
        }
        return CompletableFuture.supplyAsync(
                () -> outputs.downloader().downloadAll(client.http(server), r.outputs(), outputs.sink()), outputs.io());
    }
}
