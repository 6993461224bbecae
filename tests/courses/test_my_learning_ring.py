from django.urls import reverse

from courses import services

from . import builders


def test_my_learning_draws_a_ring_with_the_share_printed(client, teacher_a):
    course = builders.course(lessons=2, quiz=False, title="家校沟通")
    services.enrolment_create(user=teacher_a.user, course=course)
    client.force_login(teacher_a.user)
    page = client.get(reverse("courses:my_learning")).content.decode()
    assert 'class="ring"' in page and 'role="img"' in page
    assert 'stroke-dasharray="0 100"' in page and ">0%<" in page
