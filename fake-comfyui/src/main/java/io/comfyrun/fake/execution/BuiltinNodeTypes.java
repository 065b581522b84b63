package io.comfyrun.fake.execution;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The classes of the standard txt2img graph, for servers built without the node catalogue. */
public final class BuiltinNodeTypes implements NodeTypes {

    private static final Map<String, NodeType> TYPES = Map.of(
            "CheckpointLoaderSimple", new NodeType("CheckpointLoaderSimple", false, "LOADER",
                    List.of("MODEL", "CLIP", "VAE")),
            "CLIPTextEncode", new NodeType("CLIPTextEncode", false, "TEXT_ENCODE", List.of("CONDITIONING")),
            "EmptyLatentImage", new NodeType("EmptyLatentImage", false, "LATENT", List.of("LATENT")),
            "KSampler", new NodeType("KSampler", false, "SAMPLER", List.of("LATENT")),
            "VAEDecode", new NodeType("VAEDecode", false, "VAE", List.of("IMAGE")),
            "SaveImage", new NodeType("SaveImage", true, "SAVE_IMAGE", List.of()),
            "PreviewImage", new NodeType("PreviewImage", true, "PREVIEW_IMAGE", List.of()),
            "LoraLoader", new NodeType("LoraLoader", false, "LOADER", List.of("MODEL", "CLIP")));

    @Override
    public Optional<NodeType> find(String classType) {
        return Optional.ofNullable(TYPES.get(classType));
    }
}
