package io.comfyrun.reliability;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The API-format graphs the suites submit: txt2img with two output nodes, so "between nodes" is real. */
final class Workflows {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String TXT2IMG = """
            {"3": {"class_type": "KSampler", "inputs": {"cfg": 8, "denoise": 1, "latent_image": ["5", 0],
               "model": ["4", 0], "negative": ["7", 0], "positive": ["6", 0], "sampler_name": "euler",
               "scheduler": "normal", "seed": %d, "steps": %d}, "_meta": {"title": "Sampler"}},
             "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "fake_sd15_random.safetensors"}},
             "5": {"class_type": "EmptyLatentImage", "inputs": {"batch_size": 1, "height": 64, "width": 64}},
             "6": {"class_type": "CLIPTextEncode", "inputs": {"clip": ["4", 1], "text": "a lighthouse"}},
             "7": {"class_type": "CLIPTextEncode", "inputs": {"clip": ["4", 1], "text": "blurry"}},
             "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
             "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "%s", "images": ["8", 0]}},
             "10": {"class_type": "SaveImage", "inputs": {"filename_prefix": "%s", "images": ["8", 0]}}}
            """;

    private Workflows() {
    }

    /** txt2img saving the same image through nodes 9 and 10 (prefixes {@code first} and {@code second}). */
    static ObjectNode txt2img(long seed, int steps) {
        return txt2img(seed, steps, "first", "second");
    }

    static ObjectNode txt2img(long seed, int steps, String prefix9, String prefix10) {
        try {
            return (ObjectNode) JSON.readTree(TXT2IMG.formatted(seed, steps, escape(prefix9), escape(prefix10)));
        } catch (Exception e) {
            throw new IllegalStateException("test workflow does not parse", e);
        }
    }

    /** A long single-output prompt that keeps the server's worker busy so the next one stays queued. */
    static ObjectNode blocker(long seed, int steps) {
        ObjectNode wf = txt2img(seed, steps, "blocker", "blocker");
        wf.remove("10");
        return wf;
    }

    private static String escape(String s) {
        return JSON.getNodeFactory().textNode(s).toString().replaceAll("^\"|\"$", "");
    }
}
