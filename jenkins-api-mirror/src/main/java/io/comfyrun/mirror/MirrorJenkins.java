package io.comfyrun.mirror;

import com.cloudbees.plugins.credentials.Credentials;
import hudson.security.ACL;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * MIRROR-ONLY test support: the little in-memory "Jenkins" that the mirror's few real method bodies use, so
 * plugin unit tests can run without a Jenkins instance. Nothing like this exists in real Jenkins; plugin main
 * code must never reference this package (the plugin module has a test that checks it).
 *
 * <ul>
 *   <li>{@link #setRootAcl(ACL)}: what {@code Jenkins.get().getACL()} answers (default: everything allowed);</li>
 *   <li>{@link #register(Object)}: what {@code ExtensionList.lookupSingleton} and
 *       {@code AbstractDescribableImpl.getDescriptor()} find (descriptors, global configurations);</li>
 *   <li>{@link #addCredentials(Credentials)}: what {@code CredentialsProvider.findCredentialById} finds;
 *       {@link #tracked()} records {@code CredentialsProvider.track} calls.</li>
 * </ul>
 */
public final class MirrorJenkins {
    private static volatile ACL rootAcl = ACL.lambda2((a, p) -> true);
    private static final List<Object> EXTENSIONS = new CopyOnWriteArrayList<>();
    private static final List<Credentials> CREDENTIALS = new CopyOnWriteArrayList<>();
    private static final List<Credentials> TRACKED = new CopyOnWriteArrayList<>();

    private MirrorJenkins() {
    }

    public static void reset() {
        rootAcl = ACL.lambda2((a, p) -> true);
        EXTENSIONS.clear();
        CREDENTIALS.clear();
        TRACKED.clear();
    }

    public static ACL rootAcl() {
        return rootAcl;
    }

    public static void setRootAcl(ACL acl) {
        rootAcl = acl;
    }

    public static <T> T register(T extension) {
        EXTENSIONS.add(extension);
        return extension;
    }

    public static List<Object> extensions() {
        return EXTENSIONS;
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
