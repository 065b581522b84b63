package io.comfyrun.fake.scenario;

import java.util.Random;
import java.util.UUID;

/**
 * Every random choice the fake makes (prompt ids, socket ids, preview file names, faults with a
 * probability) comes from here, so one seed reproduces a run. Thread-safe.
 */
public final class SeededRandom {

    private final long seed;
    private final Random random;

    public SeededRandom(long seed) {
        this.seed = seed;
        this.random = new Random(seed);
    }

    public long seed() {
        return seed;
    }

    /** Like Python's {@code str(uuid.uuid4())}. */
    public synchronized String uuid4() {
        long msb = (random.nextLong() & ~0xF000L) | 0x4000L;
        long lsb = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(msb, lsb).toString();
    }

    /** Like {@code uuid.uuid4().hex}: 32 hex characters, no dashes. */
    public String uuid4Hex() {
        return uuid4().replace("-", "");
    }

    public synchronized String letters(int n, String alphabet) {
        StringBuilder b = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            b.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return b.toString();
    }

    public synchronized double nextDouble() {
        return random.nextDouble();
    }

    public synchronized int nextInt(int bound) {
        return random.nextInt(bound);
    }
}
