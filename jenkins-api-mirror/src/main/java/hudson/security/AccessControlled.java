package hudson.security;

import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.core.Authentication;

/** Mirror of jenkins-core {@code hudson.security.AccessControlled}. */
public interface AccessControlled {
    ACL getACL();

    default void checkPermission(Permission permission) throws AccessDeniedException {
        // real default checkPermission: the ACL's check (which lets SYSTEM2 through)
        getACL().checkPermission(permission);
    }

    default boolean hasPermission(Permission permission) {
        // real default hasPermission: the ACL's answer (true for SYSTEM2)
        return getACL().hasPermission(permission);
    }

    default boolean hasPermission2(Authentication a, Permission permission) {
        // real default hasPermission2: the ACL's answer for that authentication
        return getACL().hasPermission2(a, permission);
    }
}
