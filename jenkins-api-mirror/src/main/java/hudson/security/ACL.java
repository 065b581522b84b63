package hudson.security;

import java.util.function.BiFunction;
import jenkins.model.Jenkins;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.Authentication;

/**
 * Mirror of jenkins-core {@code hudson.security.ACL}. {@link #checkPermission} throws Spring's
 * {@link AccessDeniedException} (the real one throws its subclass {@code AccessDeniedException3}).
 */
public abstract class ACL {
    /** Real {@code SYSTEM2}: a UsernamePasswordAuthenticationToken of "SYSTEM". */
    public static final Authentication SYSTEM2 = new UsernamePasswordAuthenticationToken("SYSTEM", "SYSTEM");

    public abstract boolean hasPermission2(Authentication a, Permission permission);

    public final boolean hasPermission(Permission p) {
        // real hasPermission: true for SYSTEM2, else hasPermission2 of the current authentication
        Authentication a = Jenkins.getAuthentication2();
        if (a.equals(SYSTEM2)) {
            return true;
        }
        return hasPermission2(a, p);
    }

    public final void checkPermission(Permission p) {
        // real checkPermission: nothing for SYSTEM2, else AccessDeniedException when hasPermission2 says no
        Authentication a = Jenkins.getAuthentication2();
        if (a.equals(SYSTEM2)) {
            return;
        }
        if (!hasPermission2(a, p)) {
            throw new AccessDeniedException(a.getName() + " is missing the " + p.getId() + " permission");
        }
    }

    public static ACL lambda2(BiFunction<Authentication, Permission, Boolean> impl) {
        // real lambda2: an ACL answering with the function
        return new ACL() {
            @Override
            public boolean hasPermission2(Authentication a, Permission permission) {
                return impl.apply(a, permission);
            }
        };
    }
}
