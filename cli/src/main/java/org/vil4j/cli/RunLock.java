package org.vil4j.cli;

import org.vil4j.api.Vil4jException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

/**
 * A training run's claim on its output folder: {@code OUT/.vil-run.lock} holds the process id and start time of the
 * run using it. A second run on the same folder fails at once naming the first one's process; the lock of a process
 * that no longer runs (killed, crashed) is taken over.
 */
final class RunLock implements AutoCloseable {
    static final String FILE = ".vil-run.lock";

    private final Path file;
    private final String content;

    private RunLock(Path file, String content) {
        this.file = file;
        this.content = content;
    }

    /** Claims {@code dir} (which must exist) for this process. */
    static RunLock acquire(Path dir) {
        Path file = dir.resolve(FILE);
        ProcessHandle self = ProcessHandle.current();
        String content = self.pid() + " " + startOf(self) + "\n";
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                Files.writeString(Files.createFile(file), content, StandardCharsets.UTF_8);
                return new RunLock(file, content);
            } catch (FileAlreadyExistsException e) {
                String held = read(file);
                if (held == null) {
                    continue; // removed meanwhile: try again
                }
                if (alive(held)) {
                    throw new Vil4jException(dir + " is in use by another training run (process "
                            + held.trim().split("\\s+")[0] + ", lock " + file + "); wait for it to end or choose "
                            + "another --out");
                }
                try {
                    // a dead process's lock: take it over (only when it still holds what was read)
                    if (held.equals(read(file))) {
                        Files.deleteIfExists(file);
                    }
                } catch (IOException ex) {
                    throw new Vil4jException("cannot remove the stale lock " + file + ": " + ex.getMessage(), ex);
                }
            } catch (IOException e) {
                throw new Vil4jException("cannot create the run lock " + file + ": " + e.getMessage(), e);
            }
        }
        throw new Vil4jException("cannot claim " + dir + ": its lock " + file + " keeps changing");
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new Vil4jException("cannot read the run lock " + file + ": " + e.getMessage(), e);
        }
    }

    private static String startOf(ProcessHandle process) {
        return process.info().startInstant().map(Instant::toString).orElse("?");
    }

    /** Whether the lock's process still runs (the same process: same id and start time). */
    static boolean alive(String held) {
        String[] parts = held.trim().split("\\s+");
        long pid;
        try {
            pid = Long.parseLong(parts[0]);
        } catch (NumberFormatException e) {
            return false; // not ours or damaged: nobody can hold it
        }
        Optional<ProcessHandle> process = ProcessHandle.of(pid);
        if (process.isEmpty() || !process.get().isAlive()) {
            return false;
        }
        String start = startOf(process.get());
        return parts.length < 2 || parts[1].equals("?") || start.equals("?") || parts[1].equals(start);
    }

    @Override
    public void close() {
        try {
            if (content.equals(read(file))) {
                Files.deleteIfExists(file);
            }
        } catch (IOException | RuntimeException e) {
            // the lock of a finished process is stale and taken over by the next run
        }
    }
}
