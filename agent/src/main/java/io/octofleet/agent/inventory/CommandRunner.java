package io.octofleet.agent.inventory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a helper program (nvidia-smi, dpkg-query, rpm, systemd-detect-virt) with a deadline, because a hung driver
 * or a locked package database must never hang the agent. A missing program is normal (most hosts have no
 * nvidia-smi), so it is reported as an empty result, not an exception.
 */
class CommandRunner {

    private static final Logger log = LoggerFactory.getLogger(CommandRunner.class);

    /** What a finished program printed on stdout, and its exit status. */
    record Result(int exitCode, String stdout) {
    }

    /**
     * @return the result, or empty when the program does not exist, cannot start, or ran past {@code timeout}
     *     (it is then killed with its children)
     */
    Optional<Result> run(List<String> command, Duration timeout) {
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .redirectInput(ProcessBuilder.Redirect.PIPE);
        // Parsers rely on untranslated, un-localised output.
        builder.environment().put("LC_ALL", "C");
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            log.debug("{} not run: {}", command.get(0), e.getMessage());
            return Optional.empty();
        }
        try {
            process.getOutputStream().close();
            // Drain stdout concurrently: a program that prints more than the pipe buffer (dpkg-query on a large host)
            // would otherwise block forever and only ever end by timeout.
            StdoutDrain drain = new StdoutDrain(process.getInputStream(), command.get(0));
            drain.start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("{} did not finish within {} ms; killed", command.get(0), timeout.toMillis());
                kill(process);
                return Optional.empty();
            }
            drain.join(timeout.toMillis());
            return Optional.of(new Result(process.exitValue(), drain.text()));
        } catch (InterruptedException e) {
            kill(process);
            Thread.currentThread().interrupt();
            return Optional.empty();
        } catch (IOException e) {
            kill(process);
            throw new UncheckedIOException(e);
        }
    }

    private static void kill(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    private static final class StdoutDrain extends Thread {
        private final InputStream in;
        private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();

        StdoutDrain(InputStream in, String program) {
            super("inventory-" + program + "-stdout");
            this.in = in;
            setDaemon(true);
        }

        @Override
        public void run() {
            try (in) {
                in.transferTo(buffer);
            } catch (IOException e) {
                // The stream closes when the process is killed; whatever was read is all there is.
            }
        }

        String text() {
            return buffer.toString(StandardCharsets.UTF_8);
        }
    }
}
