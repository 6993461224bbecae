"""What learning tells the rest of the product. Sent by courses, received by certification.

Each is sent once per record, after the record's transaction commits (transaction.on_commit),
so a receiver may write in its own transaction and rely on the record existing.
"""

from django.dispatch import Signal

# A teacher completed a course. kwargs: user, course (CoursePage), hours (Decimal),
# completed_at (aware datetime), completion (the CourseCompletion row; its pk is the
# idempotency reference: receivers must credit a completion exactly once).
course_completed = Signal()

# A teacher passed a course's quiz. kwargs: user, course (CoursePage), quiz (QuizPage),
# score (int, percent), passed_at (aware datetime), attempt (the QuizAttempt row).
quiz_passed = Signal()

# A teacher's attendance at a live session was confirmed. kwargs: user, session
# (LiveSessionPage), hours (Decimal), attended_at (aware datetime), attendance (the row).
live_attended = Signal()

# An event was closed and a teacher's attendance at one of its sessions is final. kwargs:
# teacher, event (EventPage), hours (Decimal), attended_on (date: the session's own day), signup
# (the EventSignup row) and session (the EventSession): together the idempotency reference,
# receivers must credit a teacher's session exactly once.
event_attended = Signal()
