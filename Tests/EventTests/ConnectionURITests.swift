import Testing
@testable import Events

/// Passwords never reach a message: a URI is printed with them hidden, wherever libpq would
/// read one.
@Suite struct ConnectionURITests {
    @Test func passwordsAreHiddenWhereverTheURIHoldsThem() {
        #expect(ConnectionURI.redacted("postgresql://ledger:s3cret@db.example/tickets") == "postgresql://ledger:***@db.example/tickets")
        #expect(ConnectionURI.redacted("postgresql://ledger@/tickets?host=/run/pg&password=s3cret")
                == "postgresql://ledger@/tickets?host=/run/pg&password=***")
        #expect(ConnectionURI.redacted("postgres://u:p@h/db?PASSWORD=s3cret&sslmode=require")
                == "postgres://u:***@h/db?PASSWORD=***&sslmode=require")
        // libpq decodes a parameter's name, and reads the user information up to its `@`.
        #expect(ConnectionURI.redacted("postgresql:///db?host=/run/pg&pass%77ord=s3cret") == "postgresql:///db?host=/run/pg&pass%77ord=***")
        #expect(ConnectionURI.redacted("postgresql:///db?%70assword=s3cret") == "postgresql:///db?%70assword=***")
        #expect(ConnectionURI.redacted("postgresql://u:se?cret@/db?host=/run/pg") == "postgresql://u:***@/db?host=/run/pg")
        // Nothing to hide.
        #expect(ConnectionURI.redacted("postgresql://ledger@/tickets?host=/run/pg") == "postgresql://ledger@/tickets?host=/run/pg")
        #expect(ConnectionURI.redacted("postgresql:///tickets?passfile=/etc/pgpass") == "postgresql:///tickets?passfile=/etc/pgpass")
        #expect(ConnectionURI.redacted("events.jsonl") == "events.jsonl")
    }

    @Test func theirValuesAreKnownToBeHiddenFromOtherMessages() {
        #expect(ConnectionURI.passwords(in: "postgresql://u:a%41b@h/db?password=SEK%zz") == ["a%41b", "aAb", "SEK%zz"])
        #expect(ConnectionURI.passwords(in: "postgresql://u@h/db").isEmpty)
    }

    @Test func everyURIInAMessageIsRedacted() {
        #expect(ConnectionURI.redactingPasswords(in: "Error: Unexpected argument 'postgresql://u@/db?password=s3cret'.")
                == "Error: Unexpected argument 'postgresql://u@/db?password=***'.")
        #expect(ConnectionURI.redactingPasswords(in: "POSTGRESQL://u:pw@h/db: cannot open the file; and postgres://x:y@h too")
                == "POSTGRESQL://u:***@h/db: cannot open the file; and postgres://x:***@h too")
        #expect(ConnectionURI.redactingPasswords(in: "no uri here: a/b") == "no uri here: a/b")
    }
}
