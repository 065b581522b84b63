package io.comfyrun.mirror;

import com.cloudbees.plugins.credentials.Credentials;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * MIRROR-ONLY test support: the credentials store that the mirror's static {@code CredentialsProvider} lookups read
 * and the uses {@code CredentialsProvider.track} records. Nothing like this exists in real Jenkins (there, credentials
 * come from CredentialsProvider extensions and tracking writes fingerprints); plugin main code never references this
 * package (the plugin module has a test that checks it).
 */
public final class MirrorJenkins {
    private static final List<Credentials> CREDENTIALS = new CopyOnWriteArrayList<>();
    private static final List<Credentials> TRACKED = new CopyOnWriteArrayList<>();

    private MirrorJenkins() {
    }

    public static void reset() {
        CREDENTIALS.clear();
        TRACKED.clear();
    }

    public static void addCredentials(Credentials c) {
        CREDENTIALS.add(c);
    }

    public static List<Credentials> credentials() {
        return CREDENTIALS;
    }

    public static List<Credentials> tracked() {
        return TRACKED;
    }
}
