package io.comfyrun.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.comfyrun.client.ComfyClient;
import io.comfyrun.client.ServerConfig;
import io.comfyrun.client.workflow.InvalidWorkflowException;
import io.comfyrun.client.workflow.WorkflowOverrides;
import io.comfyrun.client.workflow.ui.LoadedWorkflow;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * A workflow file saved from the ComfyUI editor (UI format), read before the run starts and converted once the
 * target server is known, with that server's node catalogue; overrides ({@code --set}) apply to the converted
 * prompt, so titles are the editor's.
 */
record UiFormatFile(Path file, JsonNode tree, WorkflowOverrides overrides) {

    /** Thrown when the server's catalogue cannot be fetched: the run cannot start (exit code UNREACHABLE). */
    static final class CatalogueUnavailable extends Exception {
        private static final long serialVersionUID = 1L;

        CatalogueUnavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Converts with {@code server}'s catalogue (cached by the client) and says so once on {@code notes}:
     * {@code [comfyRun] txt2img.json: converted from UI format with the node catalogue of http://gpu-1:8188}.
     */
    LoadedWorkflow convert(ComfyClient client, ServerConfig server, PrintStream notes) throws CatalogueUnavailable {
        LoadedWorkflow loaded;
        try {
            loaded = LoadedWorkflow.fromUi(tree, file.toString(), client.nodeCatalogue(server));
        } catch (IOException e) {
            throw new CatalogueUnavailable(file + " is a UI-format workflow (the editor's Save); converting it needs the"
                    + " node catalogue of " + server.baseUrl() + " (GET /object_info), which could not be fetched: "
                    + e.getMessage() + ". Convert it offline with: comfyrun convert --object-info FILE " + file, e);
        }
        notes.println("[comfyRun] " + file.getFileName() + ": " + loaded.describe());
        return new LoadedWorkflow(loaded.workflow().with(overrides), loaded.format(), loaded.extraData(),
                loaded.catalogueSource());
    }

    /** For {@link InvalidWorkflowException} callers: the file name as errors show it. */
    @Override
    public String toString() {
        return file.toString();
    }
}
