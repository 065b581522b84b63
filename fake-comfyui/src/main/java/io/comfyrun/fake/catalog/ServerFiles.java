package io.comfyrun.fake.catalog;

import java.util.List;
import java.util.Map;

/**
 * The files a ComfyUI server can see: model folders (what {@code /models/{folder}} lists and what
 * combo inputs such as {@code ckpt_name} accept) and the input folder (what {@code LoadImage} reads).
 * The fake server implements this over its real state; {@link #defaults()} matches the recorded traces.
 */
public interface ServerFiles {

    /** File names in a model folder such as {@code checkpoints} or {@code loras}; empty when unknown. */
    List<String> models(String folder);

    /** Whether an input file (as named in a {@code LoadImage} {@code image} input) exists. */
    boolean inputExists(String name);

    /** The input folder listing shown as {@code LoadImage}'s {@code image} options. */
    default List<String> inputFiles() {
        return List.of();
    }

    /**
     * An in-memory set matching the recorded ComfyUI 0.3.64 setup: one checkpoint
     * {@code fake_sd15_random.safetensors}, the LoRA {@code broken_lora.safetensors} used by the error trace, one VAE, and {@code example.png} as input.
     */
    static InMemoryServerFiles defaults() {
        InMemoryServerFiles files = new InMemoryServerFiles();
        for (String folder : InMemoryServerFiles.MODEL_FOLDERS) {
            files.addFolder(folder);
        }
        files.addModel("checkpoints", "fake_sd15_random.safetensors");
        files.addModel("loras", "broken_lora.safetensors");
        files.addModel("vae", "fake_vae_random.safetensors");
        files.addInput("example.png");
        return files;
    }

    /** An in-memory set with exactly the given folders and input files. */
    static InMemoryServerFiles of(Map<String, List<String>> models, List<String> inputs) {
        InMemoryServerFiles files = new InMemoryServerFiles();
        models.forEach((folder, names) -> {
            files.addFolder(folder);
            names.forEach(n -> files.addModel(folder, n));
        });
        inputs.forEach(files::addInput);
        return files;
    }
}
