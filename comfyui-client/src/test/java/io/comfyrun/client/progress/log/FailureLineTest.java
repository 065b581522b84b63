package io.comfyrun.client.progress.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyrun.client.Outcome;
import io.comfyrun.client.PromptError;
import io.comfyrun.client.PromptResult;
import io.comfyrun.client.TrackingMethod;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class FailureLineTest {

    static final URI SERVER = URI.create("http://gpu-1:8188/");

    static PromptResult result(Outcome outcome, PromptError... errors) {
        return new PromptResult(outcome, "p-1", SERVER, TrackingMethod.WEBSOCKET, Duration.ofSeconds(3), List.of(),
                List.of(), List.of(errors));
    }

    @Test
    void aFailedNodeIsNamedWithItsClassAndMessage() {
        PromptResult r = result(Outcome.FAILED, new PromptError("RuntimeError", "8", "VAEDecode", "VAE Decode", null,
                "VAE exploded", ""));
        assertThat(FailureLine.of(r, "gpu-1"))
                .startsWith("ComfyUI prompt p-1 on gpu-1 failed: ")
                .endsWith("node 8 VAEDecode (\"VAE Decode\"): VAE exploded [RuntimeError]");
    }

    @Test
    void aRejectionListsEveryNodeErrorOnOneLine() {
        PromptResult r = result(Outcome.REJECTED,
                new PromptError("value_not_in_list", "4", "CheckpointLoaderSimple", "Load Checkpoint", "ckpt_name",
                        "Value not in list", "nope.safetensors"),
                new PromptError("required_input_missing", "8", "VAEDecode", "VAEDecode", "vae",
                        "Required input is missing", "vae"));
        String line = FailureLine.of(r, "gpu-1");
        assertThat(line).startsWith("ComfyUI prompt p-1 on gpu-1 was rejected by the server: ")
                .contains("ckpt_name").contains("Value not in list").contains("; ").contains("Required input is missing")
                .doesNotContain("\n");
    }

    @Test
    void everyOutcomeHasItsOwnWording() {
        assertThat(FailureLine.of(result(Outcome.LOST), "gpu-1")).isEqualTo(
                "ComfyUI prompt p-1 on gpu-1 was lost (the server no longer knows it: restarted or queue cleared?)");
        assertThat(FailureLine.of(result(Outcome.TIMED_OUT), "gpu-1")).isEqualTo("ComfyUI prompt p-1 on gpu-1 timed out");
        assertThat(FailureLine.of(result(Outcome.INTERRUPTED), "gpu-1"))
                .isEqualTo("ComfyUI prompt p-1 on gpu-1 was interrupted on the server");
        assertThat(FailureLine.of(result(Outcome.UNREACHABLE, new PromptError("unreachable", null, null, null, null,
                "ComfyUI server http://gpu-1:8188/: connection refused", "")), "gpu-1"))
                .isEqualTo("ComfyUI prompt p-1 on gpu-1 could not be tracked: the server is unreachable:"
                        + " ComfyUI server http://gpu-1:8188/: connection refused [unreachable]");
    }

    /** The traceback of the real ComfyUI 0.3.64 run recorded in comfyui-traces/20_error_run.jsonl (innermost frames). */
    static final List<String> LORA_TRACEBACK = List.of(
            "  File \"/srv/ComfyUI/nodes.py\", line 675, in load_lora\n    lora = comfy.utils.load_torch_file(lora_path, safe_load=True)\n           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n",
            "  File \"/srv/ComfyUI/comfy/utils.py\", line 75, in load_torch_file\n    raise e\n",
            "  File \"/srv/ComfyUI/comfy/utils.py\", line 59, in load_torch_file\n    with safetensors.safe_open(ckpt, framework=\"pt\", device=device.type) as f:\n         ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n");

    @Test
    void aFailedNodeQuotesTheExceptionAndWhereItWasRaisedNeverAPythonSourceLine() {
        PromptError e = io.comfyrun.client.tracker.ResultParts.executionError(new io.comfyrun.client.tracker.ServerMessage
                .ExecutionError("p-1", "12", "LoraLoader", "safetensors._safetensors_rust.SafetensorError",
                "Error while deserializing header: header too large\n", LORA_TRACEBACK, true), null);
        String line = FailureLine.of(result(Outcome.FAILED, e), "gpu-1");
        assertThat(line).isEqualTo("ComfyUI prompt p-1 on gpu-1 failed: node 12 LoraLoader: Error while deserializing"
                + " header: header too large (raised in load_torch_file, comfy/utils.py line 59)"
                + " [safetensors._safetensors_rust.SafetensorError]");
        assertThat(line).doesNotContain("raise e").doesNotContain("^^^");
    }

    @Test
    void aServerMessageWithNewlinesCannotForgeASecondLine() {
        PromptResult r = result(Outcome.FAILED, new PromptError("RuntimeError", "3", "KSampler", "KSampler", null,
                "boom\n[ComfyUI] success in 1 s", ""));
        assertThat(FailureLine.of(r, "gpu-1")).doesNotContain("\n").contains("boom | [ComfyUI] success in 1 s");
    }
}
