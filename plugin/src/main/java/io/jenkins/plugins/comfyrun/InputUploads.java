package io.jenkins.plugins.comfyrun;

import hudson.AbortException;
import hudson.FilePath;
import io.comfyrun.client.ComfyHttpApi;
import io.comfyrun.client.UploadedFile;
import io.comfyrun.client.files.InputUploader;
import io.comfyrun.client.workflow.WorkflowOverrides;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The step's {@code inputs: ['LoadImage.image': 'in/photo.png']}: uploads each workspace file to the server
 * ({@code POST /upload/image}) and returns overrides that point the node inputs at the names the server stored
 * (it may rename a duplicate). This is how chains work: the output of one run is the input of the next.
 */
final class InputUploads {
    /** Inputs are images or masks, read into memory on the controller: the engine's upload cap applies. */
    static final long MAX_INPUT_BYTES = InputUploader.DEFAULT_MAX_BYTES;

    private InputUploads() {
    }

    static WorkflowOverrides upload(Map<String, ?> inputs, FilePath ws, ComfyHttpApi http)
            throws IOException, InterruptedException {
        if (ws == null) {
            throw new AbortException("comfyRun: inputs: are workspace files, so run the step inside node { }");
        }
        Map<String, Object> overrides = new LinkedHashMap<>();
        for (Map.Entry<String, ?> e : inputs.entrySet()) {
            Object value = e.getValue();
            if (value != null && !(value instanceof CharSequence)) {
                throw new AbortException("comfyRun: inputs: '" + e.getKey() + "' must name a workspace file (text), not "
                        + value.getClass().getSimpleName() + " " + value);
            }
            String rel = value == null ? null : value.toString();
            if (rel == null || rel.isBlank()) {
                throw new AbortException("comfyRun: inputs: '" + e.getKey() + "' has no file");
            }
            if (WorkspaceOutputSink.checkOutputDir(rel) != null) {
                throw new AbortException("comfyRun: inputs: '" + rel + "' must be a path inside the workspace");
            }
            // FilePath.isDescendant answers false for a workspace that does not exist yet: say what is really wrong
            if (!ws.exists()) {
                throw new AbortException("comfyRun: inputs: file '" + rel + "' (for " + e.getKey() + ") does not exist: the workspace "
                        + ws.getRemote() + " has not been created yet (check out or write the file in this node { } first)");
            }
            if (!ws.isDescendant(rel)) {
                throw new AbortException("comfyRun: inputs: '" + rel + "' must be a path inside the workspace");
            }
            FilePath f = ws.child(rel);
            if (!f.exists()) {
                throw new AbortException("comfyRun: inputs: file '" + rel + "' (for " + e.getKey() + ") does not exist in the workspace");
            }
            if (f.length() > MAX_INPUT_BYTES) {
                throw new AbortException("comfyRun: inputs: file '" + rel + "' is larger than " + MAX_INPUT_BYTES / (1024 * 1024) + " MiB");
            }
            byte[] data;
            try (InputStream in = f.read(); ByteArrayOutputStream out = new ByteArrayOutputStream()) {
                in.transferTo(out);
                data = out.toByteArray();
            }
            UploadedFile up = InputUploader.upload(http, f.getName(), data);
            overrides.put(e.getKey(), up.inputValue());
        }
        return WorkflowOverrides.of(overrides);
    }
}
