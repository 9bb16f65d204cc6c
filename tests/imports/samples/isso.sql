-- A small Isso database as SQL; the tests build the SQLite file from it.
-- mode: 1 accepted, 2 waiting for moderation, 4 deleted (kept because it has a reply).
CREATE TABLE preferences (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE threads (id INTEGER PRIMARY KEY, uri VARCHAR(256) UNIQUE, title VARCHAR(256));
CREATE TABLE comments (
    tid REFERENCES threads(id), id INTEGER PRIMARY KEY, parent INTEGER,
    created FLOAT NOT NULL, modified FLOAT, mode INTEGER, remote_addr VARCHAR,
    text VARCHAR, author VARCHAR, email VARCHAR, website VARCHAR,
    likes INTEGER DEFAULT 0, dislikes INTEGER DEFAULT 0, voters BLOB NOT NULL,
    notification INTEGER DEFAULT 0);

INSERT INTO preferences VALUES ('session-key', '5f1e0c9a');
INSERT INTO threads VALUES (1, '/2023/11/harbour-lights/', 'Harbour lights switched to LED');
INSERT INTO threads VALUES (2, '/2023/12/winter-market/', NULL);

-- 2023-11-20T18:00:00Z and later
INSERT INTO comments VALUES (1, 1, NULL, 1700503200.0, NULL, 1, '198.51.100.0',
    'The new lights are *much* brighter. See [the council note](https://council.example/led).',
    'Ruth', 'ruth@readers.example', 'https://ruth.example', 4, 1, X'00', 1);
INSERT INTO comments VALUES (1, 2, 1, 1700506800.5, 1700507100.0, 1, '203.0.113.0',
    'Brighter, yes, but the birds on the pier seem confused.

> much brighter

Too much?',
    'Jörg', 'JOERG@readers.example', NULL, 0, 0, X'00', 0);
INSERT INTO comments VALUES (1, 3, 2, 1700510400.0, NULL, 2, '198.51.100.0',
    'Held for moderation: <script>alert(1)</script> **bold** claim.',
    'Anon', NULL, 'javascript:alert(1)', 0, 0, X'00', 0);
INSERT INTO comments VALUES (1, 4, NULL, 1700514000.0, NULL, 4, '198.51.100.0',
    '', NULL, NULL, NULL, 0, 0, X'00', 0);
INSERT INTO comments VALUES (1, 5, 4, 1700517600.0, NULL, 1, '2001:db8::',
    'Answering a comment that was later deleted. 日本語も大丈夫。',
    'Kenji', 'kenji@readers.example', NULL, 2, 0, X'00', 0);
INSERT INTO comments VALUES (2, 6, NULL, 1702800000.0, NULL, 1, '198.51.100.0',
    'Is the mulled wine stall back this year?',
    'Ruth', 'ruth@readers.example', NULL, 0, 0, X'00', 0);
