package io.comfyrun.fake.catalog;

/**
 * What the fake worker does when it executes a node of a class: the catalogue only says which kind a
 * class is; the worker decides durations, progress and outputs from it.
 */
public enum NodeBehaviour {
    /** Loads a model file (checkpoint, LoRA, VAE): quick, no progress. */
    LOADER,
    /** Encodes a prompt text into conditioning. */
    TEXT_ENCODE,
    /** Produces or transforms a latent without sampling (EmptyLatentImage, VAEEncode's input side). */
    LATENT,
    /** A step-wise sampler: emits {@code progress} and {@code progress_state} per step, previews. */
    SAMPLER,
    /** Decodes or encodes through a VAE. */
    VAE,
    /** An output node writing a PNG into the output folder ({@code type: output}). */
    SAVE_IMAGE,
    /** An output node writing a PNG into the temp folder ({@code type: temp}). */
    PREVIEW_IMAGE,
    /** Reads an uploaded image from the input folder. */
    LOAD_IMAGE,
    /** A cheap image-to-image operation (scaling and the like). */
    IMAGE_OP,
    /** A long-running, step-wise training node that saves a file at the end. */
    TRAINER,
    /** Anything else: runs instantly and returns placeholder values. */
    GENERIC
}
