# RT initialdata for the helpdesk-goals CI host (Request Tracker 5.0.3).
# Load into a fresh database with
#   rt-setup-database-5 --action insert --skip-create --datafile connectors/rt/ci-initialdata.pl
# (.ci/install-rt init does this). Passwords below are for a throwaway CI
# database on 127.0.0.1 only.
use strict;
use warnings;
use File::Basename ();
use File::Spec ();

our (@Groups, @Users, @Queues, @ACL, @Scrips, @Final);

my $team_name = 'Tier 2';
my $queue_name = 'Support';
my $goals_queue_name = 'Goals';
my @agents = qw(ann bob);

@Groups = (
    { Name => $team_name, Description => 'Agents scored by the helpdesk-goals CI' },
);

@Users = (
    {
        Name => 'ann', RealName => 'Ann Agent', EmailAddress => 'ann@helpdesk.example',
        Password => 'ann-password', Privileged => 1,
    },
    {
        Name => 'bob', RealName => 'Bob Agent', EmailAddress => 'bob@helpdesk.example',
        Password => 'bob-password', Privileged => 1,
    },
    # Service account of the plugin: REST2 reads and push-back comments. The
    # scrip skips its transactions so a push-back never echoes as a webhook.
    {
        Name => 'helpdesk-goals', RealName => 'helpdesk-goals', EmailAddress => 'goals@helpdesk.example',
        Password => 'goals-password', Privileged => 1,
    },
    # Requestor: unprivileged, named by e-mail address as rt-mailgate names
    # the users it creates.
    {
        Name => 'carol@customer.example', RealName => 'Carol Customer',
        EmailAddress => 'carol@customer.example', Password => 'carol-password', Privileged => 0,
    },
);

@Queues = (
    {
        Name => $queue_name, Description => 'Customer support',
        CorrespondAddress => 'support@helpdesk.example', CommentAddress => 'support-comment@helpdesk.example',
    },
    # Push-back: one goal ticket per agent, kept by helpdesk-goals.
    { Name => $goals_queue_name, Description => 'Goal progress of each agent, kept by helpdesk-goals' },
);

my @team_rights = qw(
    SeeQueue ShowTicket ShowTicketComments CreateTicket ReplyToTicket CommentOnTicket
    OwnTicket ModifyTicket TakeTicket StealTicket Watch
);
my @service_rights = qw(
    SeeQueue ShowTicket ShowTicketComments CommentOnTicket ModifyTicket
    SeeGroup AdminGroupMembership AdminUsers ShowUserHistory
);

@ACL = (
    (map { +{ GroupDomain => 'UserDefined', GroupId => $team_name, Queue => $queue_name, Right => $_ } }
        @team_rights),
    # Customers open tickets and reply by mail (rt-mailgate) and see their own tickets.
    (map { +{ GroupDomain => 'SystemInternal', GroupType => 'Everyone', Queue => $queue_name, Right => $_ } }
        qw(CreateTicket ReplyToTicket)),
    { GroupDomain => 'RT::Queue-Role', GroupType => 'Requestor', Queue => $queue_name, Right => 'ShowTicket' },
    (map { +{ UserId => 'helpdesk-goals', Right => $_ } } @service_rights),
    # The plugin creates and answers the goal tickets; agents read theirs as requestors.
    (map { +{ UserId => 'helpdesk-goals', Queue => $goals_queue_name, Right => $_ } }
        qw(CreateTicket ReplyToTicket Watch)),
    (map { +{ GroupDomain => 'RT::Queue-Role', GroupType => 'Requestor', Queue => $goals_queue_name, Right => $_ } }
        qw(ShowTicket ShowTicketComments)),
);

my $scrip_file = File::Spec->catfile(File::Basename::dirname(__FILE__), 'scrip.pl');
open my $scrip_fh, '<:encoding(UTF-8)', $scrip_file or die "Cannot read $scrip_file: $!";
my $commit_code = do { local $/; <$scrip_fh> };
close $scrip_fh;

@Scrips = (
    {
        Description => 'helpdesk-goals webhook',
        # The condition must be 'User Defined': RT runs CustomIsApplicableCode
        # only for that condition and ignores it under 'On Transaction'.
        ScripCondition => 'User Defined',
        ScripAction => 'User Defined',
        Template => 'Blank',
        CustomPrepareCode => 'return 1;',
        # Loop guard: changes made by the plugin's own account, and anything on
        # the goal tickets it keeps in the Goals queue, are not sent back to it.
        CustomIsApplicableCode => q{
            return 0 if $self->TransactionObj->CreatorObj->Name eq 'helpdesk-goals';
            return $self->TicketObj->QueueObj->Name ne 'Goals';
        },
        CustomCommitCode => $commit_code,
    },
);

# Members are added last, once the users and the group exist.
@Final = (
    sub {
        my $group = RT::Group->new(RT->SystemUser);
        $group->LoadUserDefinedGroup($team_name);
        die "group '$team_name' was not created\n" unless $group->id;
        for my $name (@agents) {
            my $user = RT::User->new(RT->SystemUser);
            $user->Load($name);
            die "user '$name' was not created\n" unless $user->id;
            my ($ok, $message) = $group->AddMember($user->PrincipalId);
            die "cannot add '$name' to '$team_name': $message\n" unless $ok;
        }
    },
);

1;
