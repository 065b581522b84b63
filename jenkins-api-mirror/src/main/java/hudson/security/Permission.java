package hudson.security;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Mirror of jenkins-core {@code hudson.security.Permission}: only the permissions the plugin checks, each obtained by
 * its id through {@link #fromId} (the real public constructor needs a PermissionGroup and is not mirrored).
 */
public final class Permission {
    private static final Map<String, Permission> KNOWN = new ConcurrentHashMap<>();
    private static final java.util.Set<String> IDS = java.util.Set.of(
            "hudson.model.Hudson.Administer", "hudson.model.Hudson.Manage", "hudson.model.Hudson.Read",
            "hudson.model.Hudson.SystemRead", "hudson.model.Item.Create", "hudson.model.Item.Configure",
            "hudson.model.Item.Read", "hudson.model.Item.ExtendedRead", "hudson.model.Item.Build",
            "com.cloudbees.plugins.credentials.CredentialsProvider.Create",
            "com.cloudbees.plugins.credentials.CredentialsProvider.View",
            "com.cloudbees.plugins.credentials.CredentialsProvider.UseItem",
            "com.cloudbees.plugins.credentials.CredentialsProvider.UseOwn");

    private final String id;

    private Permission(String id) {
        this.id = id;
    }

    /** Real {@code Permission.fromId}: the one registered permission with that id ("group class.name"), or null. */
    public static Permission fromId(String id) {
        return IDS.contains(id) ? KNOWN.computeIfAbsent(id, Permission::new) : null;
    }

    public String getId() {
        // real getId: owner class name + '.' + permission name
        return id;
    }

    @Override
    public String toString() {
        // real toString: "Permission[" + owner class + "," + name + "]"; only the id is known here
        return "Permission[" + id + "]";
    }
}
