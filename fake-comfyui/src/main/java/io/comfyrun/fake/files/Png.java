package io.comfyrun.fake.files;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.DeflaterOutputStream;

/**
 * Writes small valid RGB PNGs without java.desktop, so the fake also runs on a jlink'ed runtime that
 * has only java.base. The picture is a gradient whose colours come from the seed, so two different
 * prompts give visibly different images.
 */
public final class Png {

    private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    private Png() {
    }

    public static byte[] gradient(int width, int height, long seed) {
        return gradient(width, height, seed, Map.of());
    }

    /**
     * A gradient with {@code tEXt} chunks between IHDR and IDAT, where Pillow's {@code PngInfo.add_text} puts them
     * (ComfyUI's SaveImage: {@code prompt}, then each {@code extra_pnginfo} key such as {@code workflow}). The texts
     * are JSON with non-ASCII escaped, so Latin-1 {@code tEXt} holds them as it does for ComfyUI.
     */
    public static byte[] gradient(int width, int height, long seed, Map<String, String> text) {
        int r0 = (int) (seed & 0xff);
        int g0 = (int) ((seed >>> 8) & 0xff);
        int b0 = (int) ((seed >>> 16) & 0xff);
        ByteArrayOutputStream raw = new ByteArrayOutputStream(height * (1 + width * 3));
        for (int y = 0; y < height; y++) {
            raw.write(0); // filter type None
            for (int x = 0; x < width; x++) {
                raw.write((r0 + x * 255 / Math.max(1, width)) & 0xff);
                raw.write((g0 + y * 255 / Math.max(1, height)) & 0xff);
                raw.write(b0);
            }
        }
        try {
            ByteArrayOutputStream compressed = new ByteArrayOutputStream();
            try (DeflaterOutputStream z = new DeflaterOutputStream(compressed)) {
                raw.writeTo(z);
            }
            ByteArrayOutputStream png = new ByteArrayOutputStream();
            png.write(SIGNATURE);
            ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
            DataOutputStream h = new DataOutputStream(ihdr);
            h.writeInt(width);
            h.writeInt(height);
            h.writeByte(8); // bit depth
            h.writeByte(2); // colour type RGB
            h.writeByte(0);
            h.writeByte(0);
            h.writeByte(0);
            chunk(png, "IHDR", ihdr.toByteArray());
            for (Map.Entry<String, String> t : text.entrySet()) {
                ByteArrayOutputStream data = new ByteArrayOutputStream();
                data.write(t.getKey().getBytes(StandardCharsets.ISO_8859_1));
                data.write(0);
                data.write(t.getValue().getBytes(StandardCharsets.ISO_8859_1));
                chunk(png, "tEXt", data.toByteArray());
            }
            chunk(png, "IDAT", compressed.toByteArray());
            chunk(png, "IEND", new byte[0]);
            return png.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) throws IOException {
        DataOutputStream d = new DataOutputStream(out);
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        d.writeInt(data.length);
        d.write(t);
        d.write(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        d.writeInt((int) crc.getValue());
    }
}
