package io.octofleet.bench.sim;

import io.octofleet.agent.identity.AgentIdentity;
import io.octofleet.agent.identity.JoinString;
import io.octofleet.agent.session.Enroller;
import io.octofleet.agent.session.EnrollmentFailedException;
import io.octofleet.agent.session.ServerAddress;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;

/**
 * The identities of a simulated fleet, one agent state directory per host ({@code DIR/sim-00042}) in the real agent's
 * format, so a rerun against the same server skips enrollment. Enrollment is the real agent's {@link Enroller}: key
 * pair, CSR, pinned-CA TLS, {@code Enrollment.Enroll}.
 */
public final class FleetIdentities {
    private final Path directory;

    public FleetIdentities(Path directory) {
        this.directory = directory;
    }

    /** {@code sim-00001} for 1: five digits keep 100k hosts sorted by name. */
    public static String hostname(int index) {
        return String.format("sim-%05d", index);
    }

    /** An enrolled simulated host. */
    public record Member(int index, String hostname, AgentIdentity identity, ServerAddress server) {
        /**
         * The same host dialing {@code elsewhere}: kept identities remember the address of the server that enrolled
         * them, and a benchmark's next server (same home, same CA) listens on a new port.
         */
        public Member at(ServerAddress elsewhere) {
            return new Member(index, hostname, identity, elsewhere);
        }
    }

    /** How many of hosts 1..{@code count} have no identity yet. */
    public int missing(int count) {
        return missing(1, count);
    }

    /**
     * How many of the {@code count} hosts from {@code first} on have no identity yet: those without a certificate
     * file, a cheap check (loading parses keys and certificates, which takes milliseconds per host).
     */
    public int missing(int first, int count) {
        int missing = 0;
        for (int i = first; i < first + count; i++) {
            if (!java.nio.file.Files.exists(stateDir(i).resolve("agent.crt"))) {
                missing++;
            }
        }
        return missing;
    }

    /** The most enrollments one token allows (EnrollmentTokenController: maxUses 1..10,000). */
    public static final int USES_PER_TOKEN = 10_000;

    /**
     * Loads hosts 1..{@code count}, enrolling those without an identity, {@code parallelism} at a time.
     *
     * @param join a join string good for as many enrollments as its argument (at most {@link #USES_PER_TOKEN}); asked
     *             once per {@link #USES_PER_TOKEN} hosts without an identity, never when all have one
     * @throws EnrollmentFailedException when the server refuses a token or fails the CA pin
     */
    public List<Member> loadOrEnroll(int count, IntFunction<JoinString> join, int parallelism)
            throws EnrollmentFailedException, IOException, InterruptedException {
        return loadOrEnroll(1, count, join, parallelism);
    }

    /** {@link #loadOrEnroll(int, IntFunction, int)} for the {@code count} hosts from {@code first} on. */
    public List<Member> loadOrEnroll(int first, int count, IntFunction<JoinString> join, int parallelism)
            throws EnrollmentFailedException, IOException, InterruptedException {
        Tokens tokens = new Tokens(join, missing(first, count));
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, parallelism), r -> {
            Thread t = new Thread(r, "bench-enroll");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<Member>> members = new ArrayList<>(count);
            for (int i = first; i < first + count; i++) {
                int index = i;
                members.add(pool.submit(() -> member(index, tokens)));
            }
            List<Member> result = new ArrayList<>(count);
            for (Future<Member> member : members) {
                try {
                    result.add(member.get());
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    if (cause instanceof EnrollmentFailedException failed) {
                        throw failed;
                    }
                    if (cause instanceof IOException io) {
                        throw io;
                    }
                    if (cause instanceof UncheckedIOException io) {
                        throw io.getCause();
                    }
                    throw new IllegalStateException("enrollment failed: " + cause, cause);
                }
            }
            return result;
        } finally {
            pool.shutdownNow();
        }
    }

    /** Hands out enrollments, asking for a new token each {@link #USES_PER_TOKEN}. */
    private static final class Tokens {
        private final IntFunction<JoinString> join;
        private int missingLeft;
        private int usesLeft;
        private JoinString current;

        Tokens(IntFunction<JoinString> join, int missing) {
            this.join = join;
            this.missingLeft = missing;
        }

        synchronized JoinString next() {
            if (usesLeft == 0) {
                usesLeft = Math.max(1, Math.min(USES_PER_TOKEN, missingLeft));
                current = join.apply(usesLeft);
            }
            usesLeft--;
            missingLeft--;
            return current;
        }
    }

    private Member member(int index, Tokens tokens)
            throws EnrollmentFailedException, IOException, InterruptedException {
        Path state = stateDir(index);
        String hostname = hostname(index);
        Optional<AgentIdentity> existing = AgentIdentity.load(state);
        AgentIdentity identity = existing.isPresent() ? existing.get()
                : new Enroller(state, hostname, SimulatedAgent.AGENT_VERSION).enroll(tokens.next());
        ServerAddress server = ServerAddress.load(state).orElseThrow(() -> new IOException(
                state + " has an identity but no server address; delete it to enroll again"));
        return new Member(index, hostname, identity, server);
    }

    private Path stateDir(int index) {
        return directory.resolve(hostname(index));
    }
}
