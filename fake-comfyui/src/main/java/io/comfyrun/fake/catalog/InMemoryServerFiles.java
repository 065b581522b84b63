package io.comfyrun.fake.catalog;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/** A thread-safe, mutable {@link ServerFiles} held in memory; listings are sorted like ComfyUI's. */
public final class InMemoryServerFiles implements ServerFiles {

    /** The folder names of {@code GET /models} on ComfyUI 0.3.64, in its order. */
    public static final List<String> MODEL_FOLDERS = List.of("checkpoints", "configs", "loras", "vae",
            "text_encoders", "diffusion_models", "clip_vision", "style_models", "embeddings", "diffusers",
            "vae_approx", "controlnet", "gligen", "upscale_models", "custom_nodes", "hypernetworks", "photomaker",
            "classifiers", "model_patches", "audio_encoders");

    private final Map<String, TreeSet<String>> models = new LinkedHashMap<>();
    private final TreeSet<String> inputs = new TreeSet<>();

    public synchronized InMemoryServerFiles addFolder(String folder) {
        models.computeIfAbsent(folder, f -> new TreeSet<>());
        return this;
    }

    public synchronized InMemoryServerFiles addModel(String folder, String name) {
        models.computeIfAbsent(folder, f -> new TreeSet<>()).add(name);
        return this;
    }

    public synchronized InMemoryServerFiles addInput(String name) {
        inputs.add(name);
        return this;
    }

    public synchronized InMemoryServerFiles removeInput(String name) {
        inputs.remove(name);
        return this;
    }

    /** The known folders, in registration order; {@code Optional.empty()} lists mean 404 in /models. */
    public synchronized List<String> folders() {
        return List.copyOf(models.keySet());
    }

    public synchronized Optional<List<String>> folder(String folder) {
        TreeSet<String> names = models.get(folder);
        return names == null ? Optional.empty() : Optional.of(List.copyOf(names));
    }

    @Override
    public synchronized List<String> models(String folder) {
        TreeSet<String> names = models.get(folder);
        return names == null ? List.of() : new ArrayList<>(names);
    }

    @Override
    public synchronized boolean inputExists(String name) {
        return inputs.contains(name);
    }

    @Override
    public synchronized List<String> inputFiles() {
        return List.copyOf(inputs);
    }
}
